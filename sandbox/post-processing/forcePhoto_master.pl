#!/usr/bin/env perl
# forcePhoto_master.pl -- SANDBOX placeholder for Post-Processing's forced-photometry driver.
# run_postproc.py (the sandbox's) needs it in its working directory, as the real one does, and
# never runs it: forced photometry is "done" by reading the links update_forcephoto_links.sh made.
print "forcePhoto_master.pl (sandbox placeholder)\n";
exit 0;
