#!/usr/bin/env perl
# forcePhoto_master.pl -- SANDBOX stand-in for Post-Processing's forced-photometry driver, which
# run_postproc.py's step 2 runs as `./forcePhoto_master.pl -season S -numepochs_min N -ncore C
# -noprompt -SKIP_CORRUPTFILE [-writeDB]` and whose exit status it IGNORES. Like the real one it
# dies, and run_postproc.py goes on (and may end `complete`), when:
#   - a required variable is unset (DIFFIMG_HOST, TOPDIR_SNFORCEPHOTO_OUTPUT,
#     TOPDIR_SNFORCEPHOTO_IMAGES, TOPDIR_TEMPLATES: diffimg_setup.sh sets them):
#     ` ERROR: Required ENV variable 'NAME' is not defined`;
#   - another forced-photometry job runs on the machine: ` ABORT: force job already running.`,
#     after the lines of those processes. The real one counts the lines of `ps -aef | grep force |
#     grep perl`, whatever checkout, season or user they are of; this one looks, likewise, for any
#     other process whose command line holds both `force` and `perl`, on the sandbox's machine: a
#     sandbox site stands for one DES machine, so processes working under another site (another
#     test's, another demo's) are another machine's and are left out;
#   - an argument is unknown: ` FATAL ERROR: unknown arg = 'x'`.
# The sandbox does no photometry (run_postproc.py reads the links update_forcephoto_links.sh made):
# it takes SANDBOX_FORCEPHOTO_SECONDS (state/config.sh, default 0.3), as the real one takes hours.
# Faults (state/faults/, see sandbox/README.md): forcephoto_env (content: a variable to treat as
# unset, default TOPDIR_TEMPLATES), forcephoto_running, forcephoto_fatal (makeForceList aborts:
# ` FATAL ERROR: …`); each fires once.
use strict;
use warnings;
use Cwd qw(abs_path);
use File::Basename qw(dirname);

$| = 1;
my $site = dirname(dirname(abs_path($0)));
my $has_site = -d "$site/state" && -f "$site/lib/sandbox-lib.sh";

# The site's fault NAME, consumed once: its content (or '' for a count), or undef when absent.
sub fault_take {
    my ($name) = @_;
    return undef unless $has_site && -e "$site/state/faults/$name";
    my $content = '';
    if (open(my $fh, '<', "$site/state/faults/$name")) {
        local $/;
        $content = <$fh> // '';
        close $fh;
        $content =~ s/\s+//g;
    }
    local $ENV{DESGW_SANDBOX_ROOT} = $site;
    return undef if system('bash', "$site/lib/sandbox-lib.sh", 'fault-take', $name, 'script=forcePhoto_master.pl') != 0;
    return $content;
}

# The machine's processes (/proc), other than this one: those of a forced-photometry perl.
sub forceJobsRunning {
    my @found;
    opendir(my $proc, '/proc') or return ();
    for my $pid (sort { $a <=> $b } grep { /^\d+$/ && $_ != $$ } readdir $proc) {
        open(my $fh, '<', "/proc/$pid/cmdline") or next;
        local $/;
        my $cmd = <$fh> // '';
        close $fh;
        $cmd =~ s/\0+$//;
        $cmd =~ s/\0/ /g;
        next unless $cmd =~ /force/ && $cmd =~ /perl/;
        if ($has_site) {
            my $cwd = readlink("/proc/$pid/cwd") // '';
            next unless index("$cwd/", "$site/") == 0;
        }
        push @found, sprintf('USER  %5d  %s', $pid, $cmd);
    }
    closedir $proc;
    return @found;
}
# First thing, as the real one's checkDuplicateForceJobs.
my @others = forceJobsRunning();
if (@others) {
    print "\n$_" for @others;
    print "\n";
    die "\n ABORT: force job already running.\n";
}

my $unset = fault_take('forcephoto_env');
if (defined $unset) {
    $unset = 'TOPDIR_TEMPLATES' if $unset eq '' || $unset =~ /^\d+$/;
    delete $ENV{$unset};
}

sub checkENV {
    my ($name) = @_;
    my $value = $ENV{$name} // '';
    die "\n ERROR: Required ENV variable '$name' is not defined \n" if $value eq '';
    print " $name    = $value \n";
}
checkENV($_) for qw(DIFFIMG_HOST TOPDIR_SNFORCEPHOTO_OUTPUT TOPDIR_SNFORCEPHOTO_IMAGES TOPDIR_TEMPLATES);

if (defined fault_take('forcephoto_running')) {
    print "\nUSER  4242  4241  0 01:02 ?  00:41:07 /usr/bin/perl ./forcePhoto_master.pl -season 1550 -noprompt\n";
    die "\n ABORT: force job already running.\n";
}

my $season = -1;
my @known = qw(-numepochs_min -ncore -nite_min -nite_max -snid_min -snid_max -day_min -day_max -outsubdir
  -outsubdir_prefix -binpath -infile_forcelist -version_template -topdir_snforcephoto_images);
for (my $i = 0; $i < @ARGV; $i++) {
    my $arg = lc $ARGV[$i];
    if ($arg eq '-season') { $season = $ARGV[++$i]; }
    elsif (grep { $_ eq $arg } @known) { $i++; }
    elsif ($arg =~ /^-(writedb|forcelist|ncsa|notncsa|noprompt|rsync_only|skip_corruptfile)$/) { }
    else { die "\n FATAL ERROR: unknown arg = '$arg' \n"; }
}
die "\n ERROR: must give -season <season> \n" if !defined $season || $season !~ /^\d+$/ || $season < 0;

my $stamp = sprintf('%04d%02d%02d_%02d%02d', (localtime)[5] + 1900, (localtime)[4] + 1, (localtime)[3, 2, 1]);
print "\n Created \n    $ENV{TOPDIR_SNFORCEPHOTO_OUTPUT}/${stamp}_DESY$season/RUN000_MAKELIST \n";
if (defined fault_take('forcephoto_fatal')) {
    die "\n FATAL ERROR: makeForceList_allCand aborted; see forcePhoto_${stamp}_makeList.stdout \n";
}
# Its duration: SANDBOX_FORCEPHOTO_SECONDS from the site's state/config.sh (the last assignment wins).
my $seconds = 0.3;
if ($has_site && open(my $cfg, '<', "$site/state/config.sh")) {
    while (my $line = <$cfg>) {
        $seconds = $1 if $line =~ /^SANDBOX_FORCEPHOTO_SECONDS=['"]?([0-9]*\.?[0-9]+)['"]?\s*$/;
    }
    close $cfg;
}
select(undef, undef, undef, $seconds) if $seconds > 0;
print " forcePhoto_master.pl (sandbox): nothing to photometer, the images are linked\n";
exit 0;
