"""SANDBOX stand-in for Post-Processing's getSeason.py: writes the [general] season of --ini
to ./getSeason.txt, which diffimg_setup.sh reads back into SEASON."""
import argparse
import configparser

parser = argparse.ArgumentParser(description=__doc__)
parser.add_argument('--ini', required=True, help='a postproc_<SEASON>.ini')
args = parser.parse_args()
config = configparser.ConfigParser()
config.read(args.ini)
with open('getSeason.txt', 'w') as out:
    out.write(config.get('general', 'season'))
