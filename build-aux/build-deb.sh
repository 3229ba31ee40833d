#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-or-later
# Builds kneed's Debian package from a release tarball (make dist) and a
# debian/ directory, the way Debian builds packages: the tarball becomes
# kneed_VERSION.orig.tar.xz, debian/ is copied into the unpacked tree,
# dpkg-buildpackage builds the package (source and binary; binary only
# for a cross build, -a ARCH), and lintian checks the result
# (docs/packaging.md).
#
#   build-aux/build-deb.sh [-a ARCH] kneed-VERSION.tar.xz DEBIAN_DIR OUTDIR
#
# The build dependencies must be installed (apt-get build-dep ./, and for
# -a arm64: dpkg --add-architecture arm64, crossbuild-essential-arm64,
# apt-get build-dep -a arm64 -P cross ./).  A cross build runs the C
# tests under qemu-user (debian/rules, make check-unit).  Lintian errors
# fail the build; its warnings are printed (none is expected: the
# overrides in debian/ say why).  The packages and a build log land in
# OUTDIR.
set -eu

arch=""
if [ "${1:-}" = "-a" ]; then
    arch=$2
    shift 2
fi
[ $# -eq 3 ] || { echo "usage: $0 [-a ARCH] kneed-VERSION.tar.xz DEBIAN_DIR OUTDIR" >&2; exit 64; }
tarball=$(realpath "$1")
debian=$(realpath "$2")
[ -f "$debian/control" ] || { echo "$0: $2 is not a debian/ directory" >&2; exit 64; }
mkdir -p "$3"
out=$(realpath "$3")

name=$(basename "$tarball")
version=${name#kneed-}
version=${version%.tar.xz}
[ "$version" != "$name" ] || { echo "$0: $name is not kneed-VERSION.tar.xz" >&2; exit 64; }

work=$(mktemp -d "${TMPDIR:-/tmp}/kneed-deb.XXXXXX")
trap 'rm -rf "$work"' EXIT
# The test suite runs kneed as other users (tests/test-policy.py).
chmod 755 "$work"
cp "$tarball" "$work/kneed_$version.orig.tar.xz"
tar -C "$work" -xf "$tarball"
src="$work/kneed-$version"
# debian/, without what an earlier build in it may have left.
rm -rf "$src/debian"
mkdir "$src/debian"
tar -C "$debian" -cf - --exclude=./kneed --exclude=./kneed-dbgsym --exclude=./.debhelper \
    --exclude=./tmp --exclude=./files --exclude='./*.substvars' --exclude='./*.log' \
    --exclude=./debhelper-build-stamp --exclude='./autoreconf.*' . | tar -C "$src/debian" -xf -

# The package's upstream version is the tarball's (tests/test-release.py
# keeps debian/changelog in step with configure.ac).
debversion=$(cd "$src" && dpkg-parsechangelog -S Version)
case "$debversion" in
"$version"-*) ;;
*) echo "$0: debian/changelog says $debversion, the tarball is $version" >&2; exit 1 ;;
esac

jobs=$(nproc 2>/dev/null || echo 1)
if [ -n "$arch" ]; then
    what="binary package for $arch (cross)"
    set -- -a "$arch" -Pcross -b
else
    what="source and binary packages"
    set --
fi
echo "build-deb: $what from $name"
if ! (cd "$src" && dpkg-buildpackage -us -uc -j"$jobs" "$@") > "$out/build-${arch:-native}.log" 2>&1; then
    tail -100 "$out/build-${arch:-native}.log"
    echo "build-deb: dpkg-buildpackage failed (whole log: $out/build-${arch:-native}.log)" >&2
    exit 1
fi

# Compiler warnings under Debian's flags (-O2, _FORTIFY_SOURCE,
# -fstack-protector-strong ...) that the CI's other builds would not see:
# the package is built without -Werror, so look for them here.
if grep -E '(warning|error): ' "$out/build-${arch:-native}.log" | grep -E '\.[ch]:[0-9]+' > "$work/warnings"; then
    cat "$work/warnings"
    echo "build-deb: the compiler warned (above)" >&2
    exit 1
fi

changes=$(ls "$work"/kneed_"$debversion"_*.changes)
echo "build-deb: lintian $(basename "$changes")"
lintian --info --display-level '>=pedantic' --fail-on error "$changes" | tee "$out/lintian-${arch:-native}.txt"
for f in $(sed -n '/^Files:/,/^[^ ]/s/^ [0-9a-f]* [0-9]* [^ ]* [^ ]* //p' "$changes") "$(basename "$changes")"; do
    cp "$work/$f" "$out/"
done
ls -l "$out"/*.deb
