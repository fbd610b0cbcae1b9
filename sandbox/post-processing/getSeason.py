"""SANDBOX stand-in for Post-Processing's getSeason.py: writes the SEASON of --ini to ./getSeason.txt
(and prints it), which diffimg_setup.sh reads back into SEASON. As the real one, the SEASON is taken
from the ini's FILE NAME (postproc_<SEASON>.ini: the part between the first `_` and the first `.`),
not from its [general] season: postproc_700.ini holding `season = 701` gives 700, and a name
without `_` (or with a dot before it, e.g. ./postproc_1.ini) raises IndexError."""
import argparse

parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
parser.add_argument('--ini', help='.ini file name', type=str)
args = parser.parse_args()
ini = args.ini


def getSeason(iniFile):
    ini = str(iniFile)
    season = ini.split('.')[0].split('_')[1]
    print(season)
    return int(season)


season = str(getSeason(ini))
s = open('getSeason.txt', 'w+')
s.write(season)
s.close()
