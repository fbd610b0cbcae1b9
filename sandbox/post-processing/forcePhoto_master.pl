#!/usr/bin/env perl
# forcePhoto_master.pl -- SANDBOX stand-in for Post-Processing's forced-photometry driver, which
# run_postproc.py's step 2 runs as `./forcePhoto_master.pl -season S -numepochs_min N -ncore C
# -noprompt -SKIP_CORRUPTFILE [-writeDB]` and whose exit status it IGNORES. Like the real one it
# dies, and run_postproc.py goes on (and may end `complete`), when:
#   - a required variable is unset (DIFFIMG_HOST, TOPDIR_SNFORCEPHOTO_OUTPUT,
#     TOPDIR_SNFORCEPHOTO_IMAGES, TOPDIR_TEMPLATES: diffimg_setup.sh sets them):
#     ` ERROR: Required ENV variable 'NAME' is not defined`;
#   - another forced-photometry job runs on the machine: ` ABORT: force job already running.`;
#   - an argument is unknown: ` FATAL ERROR: unknown arg = 'x'`.
# The sandbox does no photometry: run_postproc.py reads the links update_forcephoto_links.sh made.
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
print " forcePhoto_master.pl (sandbox): nothing to photometer, the images are linked\n";
exit 0;
