#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-or-later
# Moves kneed to a new version everywhere it is written, in one go:
# configure.ac's AC_INIT (where the programs, the D-Bus Version property
# and the BLE Software Revision take it from), the manual pages' footers,
# a NEWS entry and a debian/changelog entry (docs/packaging.md, "Versions
# and releases"; tests/test-release.py checks that they agree).
#
#   build-aux/set-version.sh NEW_VERSION
#
# NEWS: an "(unreleased)" top entry is renamed, a released one gets a new
# "(unreleased)" entry above it.  debian/changelog: a NEW_VERSION-1 entry.
set -eu
cd "$(dirname "$0")/.."

new=${1:-}
echo "$new" | grep -Eq '^[0-9]+(\.[0-9]+)+$' || { echo "usage: $0 NEW_VERSION (e.g. 0.2.0)" >&2; exit 64; }
old=$(sed -n 's/^AC_INIT(\[kneed\], \[\([^]]*\)\].*/\1/p' configure.ac)
[ -n "$old" ] || { echo "$0: no AC_INIT([kneed], [VERSION] in configure.ac" >&2; exit 1; }
[ "$old" != "$new" ] || { echo "$0: already $new" >&2; exit 1; }

sed -i "s/^AC_INIT(\[kneed\], \[$old\]/AC_INIT([kneed], [$new]/" configure.ac
for page in docs/*.[1-8]; do
    sed -i "/^\.TH /s/\"kneed $old\"/\"kneed $new\"/" "$page"
done

heading="kneed $new (unreleased)"
underline=$(echo "$heading" | sed 's/./=/g')
if grep -q "^kneed $old (unreleased)\$" NEWS; then
    awk -v old="kneed $old (unreleased)" -v h="$heading" -v u="$underline" '
        $0 == old { print h; getline; print u; next } { print }' NEWS > NEWS.tmp
else
    awk -v h="$heading" -v u="$underline" '
        !done && /^kneed [^ ]+ \(/ { print h; print u; print ""; print "* "; print ""; done = 1 }
        { print }' NEWS > NEWS.tmp
fi
mv NEWS.tmp NEWS

trailer=$(sed -n 's/^ -- \(.*>\)  .*/\1/p' debian/changelog | head -1)
dist=$(sed -n '1s/^[^)]*) \([^;]*\);.*/\1/p' debian/changelog)
{
    printf 'kneed (%s-1) %s; urgency=medium\n\n  * New upstream version %s.\n\n -- %s  %s\n\n' \
        "$new" "$dist" "$new" "$trailer" "$(date -R)"
    cat debian/changelog
} > debian/changelog.tmp
mv debian/changelog.tmp debian/changelog

echo "kneed $old -> $new: configure.ac, docs/*.[1-8], NEWS, debian/changelog (write the NEWS lines)"
