"""SANDBOX stand-in for Post-Processing's run_postproc.py (the DES-GW candidate search after the grid).

Run it as the real one runs, in one shell with the checkout as working directory:
    source diffimg_setup.sh && ./update_forcephoto_links.sh && python run_postproc.py --season S --outputdir DIR

Its contracts are the real one's:
- arguments (argparse): --season N, --outputdir DIR, --expnums E [E ...], --mjdtrigger F, --ups X,
  --checkonly X (both take a value: any non-empty one means True), --schema S, --post,
  --SKIPTO N (0..7, else ValueError), --skip_lightcurves; anything else, --triggerid and --ligoid
  included, is refused with argparse's usage error (exit 2);
- ./postproc_<N>.ini is read only if that exact file exists (else ConfigParser's NoSectionError);
  every key the real script reads must be there (NoOptionError); exposures_listfile (joined to
  indir) is one integer a line: a blank line, or a missing file, empties the list with a WARNING,
  and step 0 then stops with RuntimeError;
- PostProcStatus<SEASON>.txt (nine flag lines and `incomplete`/`complete`) and
  seasonTime<SEASON>.txt in the working directory, hostmatchstatus.txt too;
- the step files --SKIPTO needs under DIR: masterlist/, checkoutputs/step0_*.txt,
  truthtable<S>/truthplus.tab, makedatafiles/LightCurvesReal/*.dat, mastertableinfo.npy;
- "Step 6 failed due to empty candidate dfs. Ending PostProc." and exit 0 when the plots find no
  candidate, after the line saying why (makePlots' EmptyPlotError); masterHTML<SEASON>.html in the
  working directory, with links relative to it (htmls/candidate_<SNID>_dp<S>.html, the plots under
  bare names, ../masterHTMLCSS.css, Arrow.png, statusPage<S>.html), and the candidate pages in
  DIR/htmls/candidate_<SNID>_dp<S>.html; the plots are written in DIR and copied into the working
  directory;
- `START TIME` first, `END END TIME` last.
Candidates are season-wide, as the real ones: makeDataFiles takes `select distinct SNID from
SNCAND where SEASON=S` from the database (the sandbox's stand-in: state/db/SNCAND.tsv, filled by
the grid only for DAGs made with WRITEDB=on), whatever the exposure list says; with no row it
crashes (IndexError). A candidate gets a light-curve data file when its exposure's forced-photometry
files are linked under $TOPDIR_SNFORCEPHOTO_IMAGES/<NITE>/ (any exposure of the season, not only the
list's). The list feeds the master list, checkoutputs, the truth table and the plots: the plots keep
only candidates seen in a master-list exposure ("No candidates remaining, possibly in masterlist df"
when none is), the pages show every candidate with a data file. makeDataFiles' wait counts the
files in makedatafiles/<outDir_data>/: files already there from an earlier pass end it at once,
and the stale files are what it combines.
--SKIPTO N > 0 reads the exposures from DIR/checkoutputs/step0_expnums.txt (the earlier pass's), not
the ini's list.
Step 2 runs ./forcePhoto_master.pl and IGNORES how it ended, as the real one does: without
diffimg_setup.sh's environment it prints "Required ENV variable ..." and dies, another force job
makes it print "ABORT: force job already running.", and the run goes on (and can end complete);
step 7 opens ./tableSortTest.html, hours in.
The real script is Python 2.7 on the DES eups stack (`import ConfigParser`): this one runs on the
`python` diffimg_setup.sh puts on PATH (sandbox-bin/python, a Python 2.7 stand-in running python3)
and imports ConfigParser from ../sandbox-py27, which reads the ini with Python 2's rules (`bands =
i ; # comment` reads `i`). Run with python3 directly, it finds that module itself.
Sandbox additions: a WARNING when triggermjd (or ligoid/triggerid/propid) is the template's
GW170814 value; SANDBOX_POSTPROC_SECONDS (state/config.sh) spread over the steps; faults
state/faults/postproc_crash (content: the step that crashes, default 3), postproc_no_candidates,
postproc_hang (step 2 never ends), and forcePhoto_master.pl's own; ledger events postproc_start,
postproc_step, postproc_warning, postproc_end. Like the real one its output is block-buffered when
redirected to a file: set PYTHONUNBUFFERED=1 to follow it live.
"""
import argparse
import datetime
import fcntl
import glob
import json
import os
import re
import signal
import struct
import subprocess
import sys
import time

try:
    import ConfigParser
except ImportError:
    # Run with python3 directly rather than the `python` diffimg_setup.sh puts on PATH: the stand-in
    # modules are beside the script. (A module the python_missing fault names still fails here.)
    sys.path.insert(0, os.path.join(os.path.dirname(os.path.realpath(__file__)), 'sandbox-py27'))
    import ConfigParser

SITE = os.path.dirname(os.path.dirname(os.path.realpath(__file__)))
STATE = os.path.join(SITE, 'state')
HAS_SITE = os.path.isdir(STATE)
TEMPLATE_VALUES = {'ligoid': 'GW170814', 'triggerid': 'G298048', 'propid': '2017B-0110', 'triggermjd': '57979.437'}


# --- the sandbox site: configuration, ledger, faults ------------------------------------------
def knob(name, default):
    """A number from state/config.sh (the last assignment wins), else the default."""
    value = default
    try:
        with open(os.path.join(STATE, 'config.sh')) as f:
            for line in f:
                m = re.match(r'^%s=[\'"]?([0-9]*\.?[0-9]+)[\'"]?\s*$' % re.escape(name), line)
                if m:
                    value = float(m.group(1))
    except OSError:
        pass
    return value


def ledger(event, **fields):
    if not HAS_SITE:
        return
    record = {'ts': time.time(), 'event': event}
    record.update(fields)
    with open(os.path.join(STATE, 'ledger.jsonl'), 'a') as f:
        f.write(json.dumps(record, separators=(',', ':')) + '\n')


def fault_take(name, value=False):
    """Consume one firing of state/faults/NAME: its count (or, with value=True, its content once)."""
    if not HAS_SITE:
        return None
    path = os.path.join(STATE, 'faults', name)
    if not os.path.exists(path):
        return None
    with open(os.path.join(STATE, '.faults.lock'), 'a') as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        try:
            with open(path) as f:
                content = f.read().strip()
        except OSError:
            return None
        if value:
            os.remove(path)
            remaining = 0
        else:
            count = int(content) if content.isdigit() else 1
            remaining = max(count - 1, 0)
            if remaining == 0:
                os.remove(path)
            else:
                with open(path, 'w') as f:
                    f.write('%d\n' % remaining)
    ledger('fault', fault=name, pid=os.getpid(), remaining=remaining, script='run_postproc.py', value=content)
    return content if value else True


def now():
    return datetime.datetime.now().strftime('%Y%m%d_%H:%M:%S')


# --- arguments: the real script's options, in its order -----------------------------------------
parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
parser.add_argument('--expnums', metavar='e', type=int, nargs='+', help='exposures to process (instead of the ini\'s list)')
parser.add_argument('--outputdir', metavar='d', type=str, help='output directory (instead of the ini\'s outdir)')
parser.add_argument('--season', type=int, help='season: reads ./postproc_<season>.ini')
parser.add_argument('--mjdtrigger', type=float, help='MJD of the GW trigger (instead of the ini\'s triggermjd)')
parser.add_argument('--ups', type=bool, help='ups mode (any non-empty value means True)')
parser.add_argument('--checkonly', type=bool, help='stop after the processing check (any value means True)')
parser.add_argument('--schema', type=str, default='gw', help='schema')
parser.add_argument('--post', action='store_true', help='copy the pages to the web server (production only)')
parser.add_argument('--SKIPTO', default=0, type=int, help='resume at step N (0..7); earlier steps\' files must be in the output directory')
parser.add_argument('--skip_lightcurves', action='store_true', help='skip the light-curve plots')
args = parser.parse_args()

if args.SKIPTO > 7 or args.SKIPTO < 0:
    raise ValueError('NOT VALID SKIP TO ARGUMENT')

season = str(args.season)
print('START TIME', now())

config = ConfigParser.ConfigParser()
if os.path.isfile('./postproc_' + season + '.ini'):
    config.read('./postproc_' + season + '.ini')

ups = config.getboolean('general', 'ups') if args.ups is None else args.ups
if ups:
    config.read(os.path.join(os.environ['GWPOST_DIR'], 'postproc_' + season + '.ini'))
checkonly = args.checkonly is not None
outdir = config.get('general', 'outdir') if args.outputdir is None else args.outputdir
if args.season is None:
    season = config.get('general', 'season')

with open('seasonTime' + season + '.txt', 'w') as f:
    f.write(season + '\n' + time.strftime('%Y%m%d_%H%M'))
print('seasonTime' + season + '.txt was made.')

triggermjd = config.getfloat('general', 'triggermjd') if args.mjdtrigger is None else float(args.mjdtrigger)

if args.expnums is None:
    expnums = []
    listfile = os.path.join(config.get('general', 'indir'), config.get('general', 'exposures_listfile'))
    try:
        with open(listfile) as f:
            # int() of every line, all or nothing: a blank line drops the whole list.
            expnums = [int(line.split('\n')[0]) for line in f.readlines()]
    except Exception:
        print('WARNING: List of exposures file not found or empty.')
        expnums = []
else:
    expnums = args.expnums

# Every other key the real script reads: a missing one stops here with NoOptionError.
rootdir = config.get('general', 'rootdir')
indir = config.get('general', 'indir')
bands = config.get('general', 'bands')
bands = None if bands == 'all' else bands.split(',')
setupfile = config.get('general', 'env_setup_file')
propid = config.get('general', 'propid')
mlscore_cut = config.getfloat('plots', 'mlscore_cut')
blacklist_file = config.get('masterlist', 'blacklist')
masterfile_1 = config.get('masterlist', 'filename_1')
masterfile_2 = config.get('masterlist', 'filename_2')
logfile = config.get('checkoutputs', 'logfile')
ccdfile = config.get('checkoutputs', 'ccdfile')
goodchecked = config.get('checkoutputs', 'goodfile')
steplist = config.get('checkoutputs', 'steplist')
ncore = config.getint('GWFORCE', 'ncore')
numepochs_min_1 = config.getint('GWFORCE', 'numepochs_min')
numepochs_min_2 = config.getint('GWmakeDataFiles', 'numepochs_min')
writeDB = config.getboolean('GWFORCE', 'writeDB')
version_hostmatch = config.get('HOSTMATCH', 'version')
db = config.get('general', 'db')
schema = config.get('general', 'schema')
truthfile = config.get('truthtable', 'filename')
truthplusfile = config.get('truthtable', 'plusname')
datafile_format = config.get('GWmakeDataFiles', 'format')
two_nite_trigger = config.get('GWmakeDataFiles', '2nite_trigger')
outFile_stdoutreal = config.get('GWmakeDataFiles-real', 'outFile_stdout')
outDir_datareal = config.get('GWmakeDataFiles-real', 'outDir_data')
combined_fits = config.get('GWmakeDataFiles-real', 'combined_fits')
outFile_stdoutfake = config.get('GWmakeDataFiles-fake', 'outFile_stdout')
outDir_datafake = config.get('GWmakeDataFiles-fake', 'outDir_data')
fakeversion = config.get('GWmakeDataFiles-fake', 'version')
GoodSNIDs = config.get('general', 'GoodSNIDs')

for key, template in TEMPLATE_VALUES.items():
    if config.has_option('general', key) and config.get('general', key) == template:
        if key == 'triggermjd' and args.mjdtrigger is not None:
            continue
        print('WARNING (sandbox): %s is still the template\'s GW170814 value %s' % (key, template))
        ledger('postproc_warning', pid=os.getpid(), season=season, key=key, value=template)

for d in ['', 'stamps', 'plots', 'plots/lightcurves', 'pngs', 'htmls', 'masterlist', 'checkoutputs']:
    os.makedirs(os.path.join(outdir, d), exist_ok=True)

STATUS = [False, False, False, False, False, False, False, False, False, 'incomplete']


def update_status():
    with open('PostProcStatus' + season + '.txt', 'w') as f:
        for s in STATUS:
            f.write('1 \n' if s is True else '0 \n' if s is False else str(s))
    print('Status updated!')


update_status()

STEP_SECONDS = knob('SANDBOX_POSTPROC_SECONDS', 3.0) / 9.0
CRASH_AT = fault_take('postproc_crash', value=True)
if CRASH_AT is not None:
    CRASH_AT = CRASH_AT if re.match(r'^-?[0-9]$', CRASH_AT or '') else '3'
ledger('postproc_start', pid=os.getpid(), season=season, cwd=os.getcwd(), outdir=os.path.abspath(outdir),
       skipto=args.SKIPTO, argv=sys.argv[1:], expnums=len(expnums))


def step(n, title):
    """Announces step n, takes its share of SANDBOX_POSTPROC_SECONDS, fires the crash fault."""
    print('Run STEP %s: %s' % (n, title))
    ledger('postproc_step', pid=os.getpid(), season=season, step=n)
    time.sleep(STEP_SECONDS)
    if CRASH_AT is not None and int(CRASH_AT) == n:
        raise RuntimeError('STEP %s crashed (sandbox fault postproc_crash)' % n)


def exposure_dirs(expnum):
    """(nite, band, CCD directory listing) of an exposure's grid results under rootdir."""
    found = sorted(glob.glob(os.path.join(rootdir, 'exp', '*', str(expnum), 'dp' + season)))
    if not found:
        return None
    expdir = found[0]
    nite = expdir.split(os.sep)[-3]
    ccddirs = [d for d in sorted(os.listdir(expdir)) if re.match(r'^[A-Za-z]{1,2}_[0-9]{2}$', d)]
    band = ccddirs[0].split('_')[0] if ccddirs else None
    return nite, band, {d: os.listdir(os.path.join(expdir, d)) for d in ccddirs}


def write(path, text):
    os.makedirs(os.path.dirname(path) or '.', exist_ok=True)
    with open(path, 'w') as f:
        f.write(text)


def sncand():
    """makeDataFiles' `select SNID, EXPNUM from SNCAND where SEASON=S`: the sandbox database's rows."""
    rows = []
    if not HAS_SITE:
        return rows
    try:
        with open(os.path.join(STATE, 'db', 'SNCAND.tsv')) as f:
            for line in f:
                cols = line.rstrip('\n').split('\t')
                if len(cols) >= 3 and cols[0] == season and cols[1].isdigit() and cols[2].isdigit():
                    rows.append((int(cols[1]), int(cols[2])))
    except OSError:
        pass
    return rows


def makedatafiles(seen_in):
    """postproc.makedatafiles: the season's candidates from the database, whatever the list says."""
    print('makeDataFiles: select distinct SNID from %s.SNCAND where SEASON=%s order by SNID' % (schema, season))
    allcand = sorted(seen_in)
    # cols = np.array(zip(*rows)); allcand = cols[0]: with no row (WRITEDB=off), an IndexError.
    if not allcand:
        raise IndexError('index 0 is out of bounds for axis 0 with size 0')
    return allcand, allcand[0]


def linked_exposures():
    """The exposures whose forced-photometry images are linked under $TOPDIR_SNFORCEPHOTO_IMAGES (season-wide)."""
    images = os.environ.get('TOPDIR_SNFORCEPHOTO_IMAGES', '')
    found = set()
    if images:
        for path in glob.glob(os.path.join(images, '*', '*.fits')):
            m = re.match(r'^WS[0-9]+_([0-9]+)_', os.path.basename(path))
            if m:
                found.add(int(m.group(1)))
    return found


# A 1x1 PNG: the sandbox's plots.
PNG = (b'\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x06\x00\x00\x00\x1f\x15\xc4\x89'
       b'\x00\x00\x00\rIDATx\x9cc\xf8\x0f\x00\x00\x01\x01\x00\x05\x18\xd8N\x00\x00\x00\x00IEND\xaeB`\x82')


def save_npy(path, values):
    header = "{'descr': '<i8', 'fortran_order': False, 'shape': (%d,), }" % len(values)
    header += ' ' * ((64 - (10 + len(header) + 1) % 64) % 64) + '\n'
    with open(path, 'wb') as f:
        f.write(b'\x93NUMPY\x01\x00' + struct.pack('<H', len(header)) + header.encode('latin1'))
        f.write(struct.pack('<%dq' % len(values), *values))


def load_npy(path):
    with open(path, 'rb') as f:
        data = f.read()
    hlen = struct.unpack('<H', data[8:10])[0]
    body = data[10 + hlen:]
    return list(struct.unpack('<%dq' % (len(body) // 8), body))


def on_term(signum, _frame):
    """Killed (e.g. a timeout): say so in the ledger, then die of the signal as an unhandled one would."""
    ledger('postproc_end', pid=os.getpid(), season=season, exit=128 + signum, outcome='killed')
    signal.signal(signum, signal.SIG_DFL)
    os.kill(os.getpid(), signum)


signal.signal(signal.SIGTERM, on_term)
outcome = 'error'
try:
    step(-1, 'Set up the environment')
    STATUS[0] = bool(os.environ.get('SEASON')) and bool(os.environ.get('TOPDIR_SNFORCEPHOTO_IMAGES'))
    update_status()

    if args.SKIPTO > 0:
        with open(os.path.join(outdir, 'masterlist', 'expniteband_df.csv')) as f:
            rows = [line.strip().split(',') for line in f.readlines()[1:] if line.strip()]
        with open(os.path.join(outdir, 'masterlist', masterfile_1)) as f:
            pass
        with open(os.path.join(outdir, 'checkoutputs', 'step0_expnums.txt')) as f:
            expnums = [int(x.strip()) for x in f.readlines()]
        if not os.path.exists(os.path.join(outdir, 'checkoutputs', 'step0_a_blacklist.txt')):
            raise OSError('step 0 a_blacklist file missing')
    else:
        step(0, 'Create initial master list, check processing outputs')
        if len(expnums) == 0:
            raise RuntimeError('Need an exposures.list file or exposures in argument')
        rows = []
        listings = {}
        for e in expnums:
            found = exposure_dirs(e)
            if found is None or (bands is not None and found[1] not in bands):
                continue
            rows.append([str(e), found[0], found[1]])
            listings[e] = found[2]
        if not rows:
            raise ValueError('expniteband_df is empty. Check log file for "MASTERLIST QUERY" for the failed db query.')
        write(os.path.join(outdir, 'masterlist', 'expniteband_df.csv'), 'expnum,nite,band\n' + ''.join(','.join(r) + '\n' for r in rows))
        write(os.path.join(outdir, 'masterlist', masterfile_1), 'SANDBOX master list (preliminary): %d exposures\n' % len(rows))
        with open('steplist.txt') as f:  # the real check opens this name in the working directory, whatever the ini says
            f.read()
        good, bad, ccdrows = [], [], []
        for e, listing in listings.items():
            states = {}
            for d, files in listing.items():
                states[d] = 'failed' if any(x.endswith('.FAIL') for x in files) else 'complete' if any(x.startswith('outputs_') for x in files) else 'incomplete'
                ccdrows.append('%s,%s,%s\n' % (e, d, states[d]))
            (good if list(states.values()).count('complete') > 0 else bad).append(e)
        write(os.path.join(outdir, 'checkoutputs', logfile), 'SANDBOX checkoutputs: %d good, %d without any complete CCD\n' % (len(good), len(bad)))
        write(os.path.join(outdir, 'checkoutputs', ccdfile), 'expnum,ccd,state\n' + ''.join(ccdrows))
        write(os.path.join(outdir, 'checkoutputs', goodchecked), ''.join('%s\n' % e for e in good))
        write(os.path.join(outdir, 'checkoutputs', 'step0_expnums.txt'), ''.join('%s\n' % e for e in good))
        write(os.path.join(outdir, 'checkoutputs', 'step0_a_blacklist.txt'), ''.join('%s\n' % e for e in bad))
        expnums = good

    if checkonly:
        print('You gave the --checkonly option. Stopping Now.')
        outcome = 'checkonly'
        sys.exit(0)

    step(1, 'Create final master list')
    write(os.path.join(outdir, 'masterlist', masterfile_2), 'SANDBOX master list: %d exposures\n' % len(expnums))
    STATUS[2] = True
    update_status()

    if args.SKIPTO <= 2:
        step(2, 'Forcephoto')
        # postproc.forcephoto(): subprocess.call(a, shell=True), its status never looked at.
        a = ['./forcePhoto_master.pl', '-season', season, '-numepochs_min', str(numepochs_min_1), '-ncore', str(ncore),
             '-noprompt', '-SKIP_CORRUPTFILE'] + (['-writeDB'] if writeDB else [])
        print(' '.join(a))
        sys.stdout.flush()
        if os.path.isfile(a[0]):
            subprocess.call(a, stderr=subprocess.STDOUT)
        else:
            print('/bin/sh: 1: ./forcePhoto_master.pl: not found')
        if fault_take('postproc_hang'):
            print('forcePhoto_master.pl: waiting for the database...')
            sys.stdout.flush()
            while True:
                time.sleep(60)
        # forcePhoto_master.pl -season S works from the season's candidates, on every linked exposure.
        images = os.environ.get('TOPDIR_SNFORCEPHOTO_IMAGES', '')
        for e in sorted(linked_exposures()):
            linked = glob.glob(os.path.join(images, '*', '*_%s_*.fits' % e))
            out = os.path.join(os.environ.get('TOPDIR_SNFORCEPHOTO_OUTPUT', os.path.join(outdir, 'forcephoto')), 'season' + season)
            write(os.path.join(out, '%s.forcephoto' % e), '%d images\n' % len(linked))
        print('')
    else:
        print('USING SKIPTO FLAG, SKIPPING TO STEP ', args.SKIPTO)

    if args.SKIPTO <= 3:
        step(3, 'Hostmatch')
        write('hostmatchstatus.txt', '0')
    else:
        print('USING SKIPTO FLAG, SKIPPING TO STEP ', args.SKIPTO)
    with open('hostmatchstatus.txt') as f:
        STATUS[4] = f.read() == '0'
    update_status()

    truthdir = os.path.join(outdir, 'truthtable' + season)
    if args.SKIPTO > 4:
        if not os.path.exists(os.path.join(truthdir, truthplusfile)):
            raise OSError('No truth table files found. Try running step 4')
        STATUS[5] = True
    elif len(expnums) > 0:
        step(4, 'Make truth table')
        write(os.path.join(truthdir, truthfile), 'SANDBOX fakes truth table\n')
        write(os.path.join(truthdir, truthplusfile), 'SNID EXPNUM\n')
        STATUS[5] = True
    else:
        print('WARNING: List of exposures is empty. Skipping STEP 4.')
    update_status()

    # Which exposures each candidate was seen in (the database's detections).
    seen_in = {}
    for snid, e in sncand():
        seen_in.setdefault(snid, set()).add(e)
    realdir = os.path.join(outdir, 'makedatafiles', outDir_datareal)
    if args.SKIPTO <= 5:
        step(5, 'Make datafiles')
        candidates, first = makedatafiles(seen_in)
        linked = linked_exposures()
        with_data = [c for c in candidates if seen_in[c] & linked]
        os.makedirs(realdir, exist_ok=True)
        # Its wait counts the files in the directory: files already there end it at once.
        existing = sorted(glob.glob(os.path.join(realdir, '*.dat')))
        if existing and len(existing) >= len(with_data):
            print('makeDataFiles: %d data files in %s, done waiting' % (len(existing), realdir))
        else:
            for snid in with_data:
                # A light curve: one forced-photometry epoch per linked exposure of the season.
                write(os.path.join(realdir, 'des_real_%08d.dat' % snid), 'SNID: %d\nNOBS: %d\nDETECTED_IN: %s\nMJD_TRIGGER: %s\n' % (
                    snid, len(linked), ' '.join(str(e) for e in sorted(seen_in[snid])), triggermjd))
        snids = []
        for path in sorted(glob.glob(os.path.join(realdir, '*.dat'))):
            m = re.match(r'^des_real_0*([0-9]+)\.dat$', os.path.basename(path))
            if m:
                snids.append(int(m.group(1)))
        write(os.path.join(outdir, 'makedatafiles', combined_fits), 'SANDBOX combined datafiles: %d candidates (first SNID %d)\n' % (len(snids), first))
        save_npy(os.path.join(outdir, 'mastertableinfo.npy'), snids)
        STATUS[6] = True
    else:
        print('USING SKIPTO FLAG, SKIPPING TO STEP ', args.SKIPTO)
        snids = load_npy(os.path.join(outdir, 'mastertableinfo.npy'))
    update_status()

    step(6, 'Make plots')
    # makePlots: its EmptyPlotError says why, then run_postproc.py ends.
    in_master = [s for s in snids if seen_in.get(s, set()) & set(expnums)]
    why = None
    if not snids:
        why = 'No candidates with photflag = 4096,12288 in combined fits'
    elif fault_take('postproc_no_candidates'):
        why = 'No candidates with photflag = 4096,12288 and photprob > ml_score_cut combined fits'
    elif not in_master:
        why = 'No candidates remaining, possibly in masterlist df'
    if why:
        print(why)
        print('')
        print('Step 6 failed due to empty candidate dfs. Ending PostProc.')
        print('END END TIME', now())
        outcome = 'no_candidates'
        sys.exit()
    plots = ['fakemltest_%s.png' % season, 'fullmap_%s.png' % season]
    for name in plots:
        with open(os.path.join(outdir, name), 'wb') as f:
            f.write(PNG)
        with open(name, 'wb') as f:  # shutil.copy(..., './' + name): into the working directory
            f.write(PNG)
        print('A img was made!', './' + name)

    step(7, 'Make htmls/webpage')
    with open('tableSortTest.html') as f:  # WholeHTML builds the index page from it, in the working directory
        f.read()
    for snid in snids:
        write(os.path.join(outdir, 'htmls', 'candidate_%d_dp%s.html' % (snid, season)),
              '<html><body><h1>Candidate %d</h1><p>season %s, trigger MJD %s, seen in %s</p></body></html>\n' % (
                  snid, season, triggermjd, ' '.join(str(e) for e in sorted(seen_in.get(snid, set())))))
    # WholeHTML: the index page in the working directory, its links relative to it, as the real one writes them.
    write('masterHTML' + season + '.html', ''.join([
        '<!DOCTYPE HTML>\n', '<html>\n', '<link rel="stylesheet" type="text/css" href="../masterHTMLCSS.css">', '<body>',
        '<button onclick="topFunction()" id="myBtn" title="Go to top"><img id ="button" src="Arrow.png"></button>',
        '<h1>Season ' + season + '</h1>', '<div id="majorPlots">', '<span title="Fakes: ML Score">',
        '<img src=' + plots[0] + ' width="583" height="350"></span>', '<span title="RA and DEC Plot">',
        '<img src =' + plots[1] + ' width"583" height="350"></span></div>', '<ul>',
        '<a id="status" href="statusPage' + season + '.html"><font size="10">Status Page</font></a>', '</body>', '</html>',
        '<table>'] + ['<tr><td><a href=htmls/candidate_%d_dp%s.html>%d</a></td></tr>' % (s, season, s) for s in snids] + ['</table>\n']))
    if args.post:
        print('--post: copying the pages to the web server (sandbox: nothing copied)')
    STATUS[8] = True
    STATUS[9] = 'complete'
    update_status()
    outcome = 'complete'
    print('END END TIME', now())
except SystemExit as e:
    ledger('postproc_end', pid=os.getpid(), season=season, exit=e.code if isinstance(e.code, int) else 0, outcome=outcome)
    raise
except BaseException:
    ledger('postproc_end', pid=os.getpid(), season=season, exit=1, outcome='error')
    raise
ledger('postproc_end', pid=os.getpid(), season=season, exit=0, outcome=outcome)
