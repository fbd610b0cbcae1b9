#!/bin/bash
# gen-exposures.sh -- regenerate the sandbox's exposure data, deterministically (same output on
# every run; a Park-Miller generator with a fixed seed, integer arithmetic exact in awk doubles).
#
#   bash sandbox/tools/gen-exposures.sh
#
# Writes sandbox/telescope/exposures.tsv (everything the "telescope" knows),
# sandbox/gw_workflow/exposures.list (the same minus exposures taken late in the nights:
# 941239-941240 and 1210475-1210479, so that a refresh via getExposureInfo.sh finds them) and
# sandbox/gw_workflow/SE_blacklist.txt. Columns:
#   EXPNUM NITE MJD_OBS RADEG DECDEG BAND EXPTIME PROPID OBSTYPE TEFF OBJECT
# Contents:
#   * 20200304 (S200224ca follow-up, 2020A-0372): search exposures 941225-941230 (i) and 941231-941240
#     (g r z Y; 941238 is Y, a band without templates); 40 templates from 2013-2019 spring nites:
#     3 per i pointing, 2 per g/r/z pointing, 4 non-overlapping decoys; two of them blacklisted and
#     two below the t_eff cut.
#   * 20231014 (S231014r follow-up, 2023B-0372): 1210400-1210479, i and z alternating, pointings on a
#     10x8 grid 3.5 deg apart; 0-3 templates each from DES wide seasons (none for k % 20 == 13).
set -euo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)

header="EXPNUM NITE MJD_OBS RADEG DECDEG BAND EXPTIME PROPID OBSTYPE TEFF OBJECT"
rows=$(awk '
function rnd() { seed = (seed * 16807) % 2147483647; return seed / 2147483647 }
function mjd0(nite,   y, m, d, a, yy, mm) {   # MJD at 0h UTC of YYYYMMDD
    y = int(nite / 10000); m = int(nite / 100) % 100; d = nite % 100
    a = int((14 - m) / 12); yy = y + 4800 - a; mm = m + 12 * a - 3
    return d + int((153 * mm + 2) / 5) + 365 * yy + int(yy / 4) - int(yy / 100) + int(yy / 400) - 32045 - 2400001
}
function row(e, nite, mjd, ra, dec, band, prop, teff, obj) {
    printf "%d %d %.5f %.6f %.6f %s 90 %s object %.2f %s\n", e, nite, mjd, ra, dec, band, prop, teff, obj
}
# One template near (ra, dec): taken from season s (index into the spring or autumn table).
function template(band, ra, dec, tbl, s, teff,   nite, e, tra, tdec, obj) {
    nite = NITE[tbl, s]; e = NEXT[tbl, s]++
    tra = ra + (rnd() - 0.5) * 1.2; tdec = dec + (rnd() - 0.5) * 1.2
    obj = OBJ[tbl, s]
    sub(/BAND$/, band, obj)
    sub(/HEX/, sprintf("%04d%+04d", int(tra * 10 + 0.5), int(tdec * 10 - 0.5)), obj)
    row(e, nite, mjd0(nite) + 0.99 + (e - START[tbl, s]) * 0.00139, tra, tdec, band, PROP[tbl, s], teff, obj)
    return e
}
BEGIN {
    seed = 20200304
    # spring nites (fields at RA ~174) and autumn nites (RA 12-50): nite, first expnum, propid, object
    n = split("20130221|176410|2013A-0351|SV hex 1742-0086 tiling 1;20140307|289215|2014A-0239|DECaLS_17432_BAND;20150312|416012|2015A-0618|DECaLS_23318_BAND;20160309|517730|2016A-0190|DECaLS_30861_BAND;20170318|626301|2017A-0260|BLISS field: 1742-085;20180315|726980|2018A-0242|BLISS field: 1749-091;20190302|821115|2019A-0205|BLISS field: 1751-088", sp, ";")
    for (i = 1; i <= n; i++) { split(sp[i], f, "|"); NITE["s", i] = f[1]; NEXT["s", i] = f[2]; START["s", i] = f[2]; PROP["s", i] = f[3]; OBJ["s", i] = f[4] }
    n = split("20131020|241120|2012B-0001|DES survey hex HEX tiling 1;20141105|371840|2012B-0001|DES survey hex HEX tiling 2;20151118|493310|2012B-0001|DES survey hex HEX tiling 3;20161207|596442|2012B-0001|DES survey hex HEX tiling 4;20171015|681025|2012B-0001|DES survey hex HEX tiling 5;20181110|792288|2012B-0001|DES survey hex HEX tiling 6;20190105|812471|2012B-0001|DES survey hex HEX tiling 7", au, ";")
    for (i = 1; i <= n; i++) { split(au[i], f, "|"); NITE["a", i] = f[1]; NEXT["a", i] = f[2]; START["a", i] = f[2]; PROP["a", i] = f[3]; OBJ["a", i] = f[4] }

    # ---- night 20200304 ----
    nite = 20200304; base = mjd0(nite) + 1.02
    split("941225 i 173.20 -8.40|941226 i 174.30 -8.40|941227 i 175.40 -8.40|941228 i 173.75 -9.35|941229 i 174.85 -9.35|941230 i 175.95 -9.35|941231 g 173.20 -8.40|941232 g 174.30 -8.40|941233 r 175.40 -8.40|941234 r 173.75 -9.35|941235 z 174.85 -9.35|941236 z 175.95 -9.35|941237 g 176.50 -10.30|941238 Y 174.30 -10.30|941239 r 176.50 -10.30|941240 z 173.20 -10.30", srch, "|")
    for (k = 1; k <= 16; k++) {
        split(srch[k], f, " ")
        row(f[1], nite, base + (k - 1) * 0.00139, f[3], f[4], f[2], "2020A-0372", 0.45 + 0.5 * rnd(),
            "DESGW: LIGO event S200224ca: " k " of 16")
        if (f[2] == "Y") continue
        nt = (f[2] == "i") ? 3 : 2
        for (j = 1; j <= nt; j++) {
            s = 1 + int(rnd() * 7)
            teff = 0.35 + 0.8 * rnd()
            # a couple of i templates below the cut (t_eff 0.12, 0.16)
            if (f[1] == 941225 && j == 3) teff = 0.12
            if (f[1] == 941229 && j == 2) teff = 0.16
            e = template(f[2], f[3], f[4], "s", s, teff)
            if ((f[1] == 941225 && j == 2) || (f[1] == 941228 && j == 1)) print "BLACKLIST " e
        }
    }
    # decoys: same bands and nites, far from every field
    for (j = 1; j <= 4; j++) template(j % 2 ? "i" : "r", 181.5 + j, -2.0 - j, "s", j + 2, 0.8)

    # ---- night 20231014 ----
    nite = 20231014; base = mjd0(nite) + 0.99
    for (k = 0; k < 80; k++) {
        band = (k % 2 == 0) ? "i" : "z"
        ra = 12 + 3.6 * (k % 10) + (rnd() - 0.5) * 0.4
        dec = -24 - 3.5 * int(k / 10) + (rnd() - 0.5) * 0.4
        row(1210400 + k, nite, base + k * 0.00139, ra, dec, band, "2023B-0372", 0.35 + 0.6 * rnd(),
            "DESGW: LIGO event S231014r: " (k + 1) " of 80")
        if (k % 20 == 13) continue
        nt = 1 + k % 3
        for (j = 1; j <= nt; j++) {
            s = 1 + (k + 3 * j) % 7
            teff = ((k * 3 + j) % 17 == 0) ? 0.15 : 0.4 + 0.8 * rnd()
            e = template(band, ra, dec, "a", s, teff)
            if (k == 42 && j == 1) print "BLACKLIST " e
        }
    }
}')

blacklist=$(printf '%s\n' "$rows" | awk '$1 == "BLACKLIST" { print $2 }' | sort -n)
data=$(printf '%s\n' "$rows" | awk '$1 != "BLACKLIST"' | sort -n -k1,1)

{ echo "$header"; printf '%s\n' "$data"; } >"$here/telescope/exposures.tsv"
{ echo "$header"; printf '%s\n' "$data" | awk '!($1 == 941239 || $1 == 941240 || ($1 >= 1210475 && $1 <= 1210479))'; } \
    >"$here/gw_workflow/exposures.list"
printf '%s\n' "$blacklist" >"$here/gw_workflow/SE_blacklist.txt"
echo "wrote $(($(wc -l <"$here/telescope/exposures.tsv") - 1)) exposures to telescope/exposures.tsv," \
    "$(($(wc -l <"$here/gw_workflow/exposures.list") - 1)) to gw_workflow/exposures.list," \
    "$(wc -l <"$here/gw_workflow/SE_blacklist.txt") to SE_blacklist.txt"
