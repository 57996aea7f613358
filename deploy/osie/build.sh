#!/usr/bin/env bash
# Builds the OSIE, the in-memory OS Boots serves to a netbooting machine (docs/osie.md):
#   OUT/vmlinuz-x86_64     Debian's kernel
#   OUT/initramfs-x86_64   busybox root, kernel modules, dockerd/containerd/runc, a jlink'ed JRE, the agent
#   OUT/manifest.txt       package versions, JRE modules, sizes, sha256, and the inputs' fingerprint
#
#   deploy/osie/build.sh [--out DIR] [--cache DIR] [--compress zstd|gzip] [--zstd-level N] [--no-aot] [--force]
#
# Everything comes from Debian packages (apt-get download, unpacked with dpkg-deb -x, which runs no
# maintainer script) and from the JDK. Nothing is started on this machine: the only programs run are
# apt, dpkg-deb, jdeps/jlink, busybox (depmod, cpio) and the packages' dynamic loader in --list mode.
# If the inputs are unchanged and the outputs exist, it says so and exits.
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
repo=$(cd "$here/../.." && pwd)
out="$here/out"
cache="$here/cache"
compress=zstd
level=12
force=no
aot_wanted=yes
while [ $# -gt 0 ]; do
  case "$1" in
    --out) out=$2; shift 2 ;;
    --out=*) out=${1#*=}; shift ;;
    --cache) cache=$2; shift 2 ;;
    --cache=*) cache=${1#*=}; shift ;;
    --compress) compress=$2; shift 2 ;;
    --compress=*) compress=${1#*=}; shift ;;
    --zstd-level) level=$2; shift 2 ;;
    --zstd-level=*) level=${1#*=}; shift ;;
    --force) force=yes; shift ;;
    --no-aot) aot_wanted=no; shift ;;
    -h|--help) sed -n '2,/^set /p' "$0" | sed -n 's/^# \{0,1\}//p'; exit 0 ;;
    *) echo "build.sh: unknown argument $1 (see --help)" >&2; exit 2 ;;
  esac
done
case "$compress" in zstd|gzip) ;; *) echo "build.sh: --compress is zstd or gzip" >&2; exit 2 ;; esac
case "$level" in [1-9]|1[0-9]) ;; *) echo "build.sh: --zstd-level is 1 to 19" >&2; exit 2 ;; esac
mkdir -p "$out" "$cache/debs"
out=$(cd "$out" && pwd)
cache=$(cd "$cache" && pwd)
start=$(date +%s)
say() { echo "osie-build: $*"; }
die() { echo "osie-build: error: $*" >&2; exit 1; }

# Kernel modules for a QEMU VM (virtio) plus e1000; their depends= and softdep= are followed.
modules_wanted="virtio_pci virtio_net virtio_blk e1000 ext4 overlay"
# Packages besides the kernel; the libraries are those the binaries' dynamic loader asks for.
pkgs_main="docker.io containerd runc tini busybox-static ca-certificates"
pkgs_libs="libc6 libsystemd0 libdevmapper1.02.1 libcap2 libgcrypt20 libgpg-error0 liblzma5 libzstd1 liblz4-1 libselinux1 libpcre2-8-0 libudev1 libseccomp2"

# --- inputs ---------------------------------------------------------------------------------------
jar="$repo/osie-agent/target/osie-agent.jar"
[ -f "$jar" ] || die "$jar is missing. Build it first, from $repo:
    ./mvnw -B -DskipTests package                          (everything), or
    ./mvnw -B -q -pl osie-agent -am package -DskipTests    (just the agent and what it needs)"

jdk=${JAVA_HOME:-}
if [ -z "$jdk" ] || [ ! -x "$jdk/bin/jlink" ]; then jdk=$("$repo/tinkerjvm" java-home 2>/dev/null || true); fi
[ -n "$jdk" ] && [ -x "$jdk/bin/jlink" ] && [ -x "$jdk/bin/jdeps" ] || die "no JDK with jlink and jdeps (set JAVA_HOME, or see ./tinkerjvm java-home)"
jdk_version=$(sed -n 's/^JAVA_RUNTIME_VERSION="\(.*\)"/\1/p' "$jdk/release")
[ -n "$jdk_version" ] || die "$jdk/release names no JAVA_RUNTIME_VERSION"

for t in apt-get apt-cache dpkg-deb sha256sum; do command -v $t >/dev/null || die "$t is missing"; done
case "$compress" in
  zstd) command -v zstd >/dev/null || die "zstd is missing (apt-get install zstd), or use --compress gzip" ;;
  gzip) command -v gzip >/dev/null || die "gzip is missing" ;;
esac

kernel_pkg=$(apt-cache depends linux-image-amd64 2>/dev/null | awk '/Depends: linux-image-[0-9]/ {print $2; exit}')
[ -n "$kernel_pkg" ] || die "apt-cache cannot resolve linux-image-amd64 (run apt-get update)"
kver=${kernel_pkg#linux-image-}
declare -A version
while read -r p v; do version[$p]=$v; done < <(apt-cache policy $kernel_pkg $pkgs_main $pkgs_libs 2>/dev/null \
  | awk '/^[^ ].*:$/ {p = substr($0, 1, length($0) - 1)} /^  Candidate:/ {print p, $2}')
for p in $kernel_pkg $pkgs_main $pkgs_libs; do
  v=${version[$p]:-}
  [ -n "$v" ] && [ "$v" != "(none)" ] || die "apt-cache has no candidate for $p (run apt-get update)"
done

jar_sha=$(sha256sum "$jar" | cut -d' ' -f1)
fingerprint=$(
  {
    for p in $kernel_pkg $pkgs_main $pkgs_libs; do echo "pkg $p=${version[$p]}"; done
    echo "jar $jar_sha"
    echo "jdk $jdk $jdk_version"
    echo "compress $compress $level"
    echo "aot $aot_wanted"
    echo "modules $modules_wanted"
    (cd "$here" && find build.sh rootfs -type f -print0 | sort -z | xargs -0 sha256sum)
    (cd "$here" && find rootfs -printf '%p %m\n' | sort)
  } | sha256sum | cut -d' ' -f1
)

if [ "$force" = no ] && [ -f "$out/manifest.txt" ] && [ -f "$out/vmlinuz-x86_64" ] && [ -f "$out/initramfs-x86_64" ] \
   && grep -qx "inputs: $fingerprint" "$out/manifest.txt"; then
  ok=yes
  for f in vmlinuz-x86_64 initramfs-x86_64; do
    want=$(awk -v f=$f '$1 == "file" && $2 == f {print $4}' "$out/manifest.txt")
    [ "$(sha256sum "$out/$f" | cut -d' ' -f1)" = "$want" ] || ok=no
  done
  if [ $ok = yes ]; then
    say "up to date: $out (inputs $fingerprint unchanged; --force rebuilds)"
    exit 0
  fi
fi

# --- packages -------------------------------------------------------------------------------------
deb_of() { # the cached .deb of package $1 at its candidate version
  local v=${version[$1]}
  v=${v//:/%3a}
  compgen -G "$cache/debs/${1}_${v}_*.deb" | head -1 || true
}
need=()
for p in $kernel_pkg $pkgs_main $pkgs_libs; do [ -n "$(deb_of $p)" ] || need+=("$p=${version[$p]}"); done
if [ ${#need[@]} -gt 0 ]; then
  say "downloading ${#need[@]} packages into $cache/debs"
  (cd "$cache/debs" && apt-get download -q -o APT::Sandbox::User=root "${need[@]}") >/dev/null \
    || die "apt-get download failed for: ${need[*]}"
fi
for p in $kernel_pkg $pkgs_main $pkgs_libs; do [ -n "$(deb_of $p)" ] || die "no .deb for $p ${version[$p]} in $cache/debs"; done

work="$cache/work"
rm -rf "$work"
mkdir -p "$work/pkg"
for p in $kernel_pkg $pkgs_main $pkgs_libs; do dpkg-deb -x "$(deb_of $p)" "$work/pkg/$p"; done
bb="$work/pkg/busybox-static/bin/busybox"
[ -x "$bb" ] || die "busybox-static has no /bin/busybox"

# --- the root -------------------------------------------------------------------------------------
root="$work/root"
mkdir -p "$root"/{usr/bin,usr/sbin,usr/lib/x86_64-linux-gnu,usr/lib64,etc/ssl/certs,proc,sys,dev,run,tmp,root,worker,opt,var/lib/docker,var/log}
ln -s usr/bin "$root/bin"; ln -s usr/sbin "$root/sbin"; ln -s usr/lib "$root/lib"; ln -s usr/lib64 "$root/lib64"
ln -s ../run "$root/var/run"
chmod 1777 "$root/tmp"; chmod 700 "$root/root"

install -m 755 "$bb" "$root/usr/bin/busybox"
for a in $("$bb" --list-full); do
  case "$a" in */*) ;; *) continue ;; esac   # linuxrc
  d=${a%/*}; d=${d#usr/}          # bin, sbin (merged /usr)
  [ -e "$root/usr/$d/${a##*/}" ] || ln -s ../bin/busybox "$root/usr/$d/${a##*/}"
done

install -m 755 "$work/pkg/docker.io/usr/sbin/dockerd" "$root/usr/bin/dockerd"
install -m 755 "$work/pkg/containerd/usr/bin/containerd" "$root/usr/bin/containerd"
install -m 755 "$work/pkg/containerd/usr/bin/containerd-shim-runc-v2" "$root/usr/bin/containerd-shim-runc-v2"
install -m 755 "$work/pkg/runc/usr/sbin/runc" "$root/usr/bin/runc"
install -m 755 "$work/pkg/tini/usr/bin/tini-static" "$root/usr/bin/docker-init"

# CA bundle, as update-ca-certificates would make it (dockerd pulls from HTTPS registries)
find "$work/pkg/ca-certificates/usr/share/ca-certificates" -name '*.crt' | sort | xargs cat >"$root/etc/ssl/certs/ca-certificates.crt"

# The JRE: the modules jdeps finds in the agent, plus those grpc-netty / docker-java reach by reflection
say "jdeps on the agent jar"
mods=$("$jdk/bin/jdeps" --print-module-deps --ignore-missing-deps --multi-release "${jdk_version%%[.+]*}" "$jar" | tail -1)
[ -n "$mods" ] || die "jdeps printed no modules"
mods="$mods,jdk.crypto.ec,jdk.unsupported"
mods=$(echo "$mods" | tr ',' '\n' | sort -u | paste -sd, -)
say "jlink $mods"
"$jdk/bin/jlink" --add-modules "$mods" --strip-debug --no-header-files --no-man-pages \
  --output "$root/opt/jre" >/dev/null
# headless: AWT's X11 and sound libraries would need X and ALSA, which the OSIE does not have
rm -f "$root/opt/jre/lib/libawt_xawt.so" "$root/opt/jre/lib/libsplashscreen.so" "$root/opt/jre/lib/libjsound.so"
mkdir -p "$root/opt/osie-agent"
install -m 644 "$jar" "$root/opt/osie-agent/osie-agent.jar"

# Shared libraries, from the Debian packages, as the packages' own loader resolves them
ldso="$work/pkg/libc6/lib/x86_64-linux-gnu/ld-linux-x86-64.so.2"
[ -x "$ldso" ] || die "libc6 has no ld-linux-x86-64.so.2"
libpath=""
for p in $pkgs_libs; do
  for d in lib/x86_64-linux-gnu usr/lib/x86_64-linux-gnu; do
    [ -d "$work/pkg/$p/$d" ] && libpath="$libpath:$work/pkg/$p/$d"
  done
done
libpath="$root/opt/jre/lib:$root/opt/jre/lib/server$libpath"
elves=$(find "$root/usr/bin" "$root/opt/jre" -type f \( -perm -u+x -o -name '*.so' \) | while read -r f; do
  [ "$(head -c 4 "$f" | od -An -c | tr -d ' ')" = '177ELF' ] && echo "$f"; done)
: >"$work/libs"
for f in $elves; do
  # --list is ldd: the loader maps the libraries and exits; nothing of the program runs
  if lst=$("$ldso" --library-path "$libpath" --list "$f" 2>&1); then
    if echo "$lst" | grep -q 'not found'; then die "$f needs a library no listed package has: $(echo "$lst" | grep 'not found' | xargs)"; fi
    echo "$lst" | awk '$2 == "=>" && $3 ~ /^\// {print $3}' >>"$work/libs"
  fi
done
for l in $(sort -u "$work/libs"); do
  case "$l" in "$root"/*) continue ;; esac
  install -m 755 "$(readlink -f "$l")" "$root/usr/lib/x86_64-linux-gnu/${l##*/}"
done
install -m 755 "$(readlink -f "$ldso")" "$root/usr/lib/x86_64-linux-gnu/ld-linux-x86-64.so.2"
ln -s ../lib/x86_64-linux-gnu/ld-linux-x86-64.so.2 "$root/usr/lib64/ld-linux-x86-64.so.2"

# An AOT cache for the agent (JDK 25+, JEP 483/514): the classes it loads at start, already parsed and
# linked. Under QEMU's TCG the agent's JVM start is the OSIE's slowest step; on this machine the cache cuts
# it from 1.5 s to 0.5 s. The cache is only valid for this JRE, this jar at this path and these flags, so the
# training run is the OSIE's own java in a chroot of the root being built, with no network (a fresh
# namespace with only lo) and no Docker: the agent starts, fails to reach tink-server, retries, and is
# stopped after a few seconds; the cache is written as the JVM exits.
# no machine code in the cache (adapters, stubs): it would be this build machine's, and a CPU without its
# instruction set extensions (QEMU's TCG qemu64, older servers) dies of SIGILL on it
agent_flags="-XX:+UseSerialGC -XX:TieredStopAtLevel=1 -XX:+UnlockDiagnosticVMOptions -XX:-AOTAdapterCaching -XX:-AOTStubCaching"
aot=no
jdk_major=${jdk_version%%[.+]*}
if [ "$aot_wanted" = no ]; then
  say "no AOT cache (--no-aot)"
elif [ "$jdk_major" -ge 25 ] && [ "$(id -u)" = 0 ] && command -v unshare >/dev/null && command -v chroot >/dev/null; then
  say "training the agent's AOT cache (chroot, no network)"
  # the cache records the jar's and the JRE's sizes and times: give them the times the archive will carry
  find "$root/opt" -mindepth 1 -exec touch -h -d @0 {} +
  unshare -m -n --propagation private sh -c '
    set -e
    r=$1
    ip link set lo up 2>/dev/null || true
    mount -t proc proc "$r/proc"; mount -t tmpfs tmpfs "$r/tmp"; mount -t tmpfs tmpfs "$r/worker"
    mount --bind /dev "$r/dev"; mount -o remount,bind,ro "$r/dev"
    timeout -s TERM 8 chroot "$r" /opt/jre/bin/java '"$agent_flags"' -XX:AOTCacheOutput=/opt/osie-agent/agent.aot \
      -Djava.io.tmpdir=/tmp -jar /opt/osie-agent/osie-agent.jar --id=aot-training \
      --tinkerbell-grpc-authority=127.0.0.1:9 --docker-host=unix:///tmp/no-docker.sock --cmdline=/dev/null \
      >"$r/tmp/training.log" 2>&1 || true
  ' sh "$root" || true
  if [ -s "$root/opt/osie-agent/agent.aot" ]; then aot=yes; else say "no AOT cache was written; the agent starts without one"; fi
  rm -f "$root/opt/osie-agent/agent.aot.config"
else
  say "no AOT cache: it needs JDK 25 or later (have $jdk_version), root, unshare and chroot"
fi

# Kernel modules: the wanted ones, what their depends= (busybox depmod) and softdep= name, nothing else
kpkg="$work/pkg/$kernel_pkg"
kmods="$kpkg/lib/modules/$kver"
[ -f "$kpkg/boot/vmlinuz-$kver" ] || die "$kernel_pkg has no /boot/vmlinuz-$kver"
"$bb" depmod -b "$kpkg" "$kver"          # modules.dep/alias for all 4,000 modules, to resolve from
path_of() { awk -F: -v m="$1" '{n=$1; sub(/.*\//, "", n); sub(/\.ko(\.[a-z]+)?$/, "", n); gsub(/-/, "_", n)} n == m {print $1; exit}' "$kmods/modules.dep"; }
closure="" load_order=""
add_module() { # $1 = module name; appends it and what it needs to $closure, softdeps first in $load_order
  local m=${1//-/_} f deps s
  case " $closure " in *" $m "*) return ;; esac
  f=$(path_of "$m")
  if [ -z "$f" ]; then
    grep -qE "/$m\.ko" "$kmods/modules.builtin" && return    # built into this kernel
    die "kernel module $m is not in $kernel_pkg"
  fi
  closure="$closure $m"
  for s in $(tr '\0' '\n' <"$kmods/$f" | sed -n 's/^softdep=//p' | tr ' ' '\n' | grep -v ':$' || true); do
    targets=$(awk -v a="$s" '$1 == "alias" && $2 == a {print $3}' "$kmods/modules.alias")
    [ -n "$(path_of "${s//-/_}")" ] && targets="$targets ${s//-/_}"
    [ -n "$targets" ] || die "kernel module $m names softdep $s, which no module provides"
    for a in $targets; do
      add_module "$a"
      case " $load_order " in *" $a "*) ;; *) load_order="$load_order $a" ;; esac
    done
  done
  for d in $(awk -F: -v f="$f" '$1 == f {print $2; exit}' "$kmods/modules.dep"); do
    d=${d##*/}; d=${d%%.ko*}; add_module "$d"
  done
}
for m in $modules_wanted; do add_module "$m"; case " $load_order " in *" $m "*) ;; *) load_order="$load_order $m" ;; esac; done
rmods="$root/usr/lib/modules/$kver"
mkdir -p "$rmods"
for m in $closure; do
  f=$(path_of "$m"); mkdir -p "$rmods/${f%/*}"; cp "$kmods/$f" "$rmods/$f"
done
cp "$kmods/modules.builtin" "$kmods/modules.order" "$rmods/"
[ -f "$kmods/modules.builtin.modinfo" ] && cp "$kmods/modules.builtin.modinfo" "$rmods/"
"$bb" depmod -b "$root" "$kver"
mkdir -p "$root/etc/osie"
echo "$load_order" | tr ' ' '\n' | sed '/^$/d' >"$root/etc/osie/modules"

# /init, its DHCP script, /etc
cp -R "$here/rootfs/." "$root/"
chmod 755 "$root/init" "$root/etc/osie/rc" "$root/etc/osie/udhcpc.script"
: >"$root/etc/resolv.conf"
echo osie >"$root/etc/hostname"
cat >"$root/etc/os-release" <<EOF
NAME="TinkerJVM OSIE"
ID=tinkerjvm-osie
VERSION_ID="$kver"
PRETTY_NAME="TinkerJVM OSIE (Debian $kernel_pkg, docker.io ${version[docker.io]})"
EOF
[ "$(id -u)" = 0 ] && mknod -m 600 "$root/dev/console" c 5 1   # the kernel opens it before /init runs

# --- archive ----------------------------------------------------------------------------------------
say "writing the initramfs ($compress)"
raw_bytes=$(du -sb --apparent-size "$root" | cut -f1)
files=$(cd "$root" && find . | wc -l)
case "$compress" in
  zstd) compressor=(zstd -q -"$level" -T2 -c) ;;
  gzip) compressor=(gzip -9 -n -c) ;;
esac
# fixed times, owners and inode numbers: the same inputs give the same bytes
find "$root" -mindepth 1 -exec touch -h -d @0 {} +
(cd "$root" && find . -mindepth 1 | LC_ALL=C sort \
  | "$bb" cpio -o -H newc -R 0:0 --renumber-inodes --ignore-devno 2>/dev/null | "${compressor[@]}") \
  >"$out/.initramfs-x86_64.new"
cp "$kpkg/boot/vmlinuz-$kver" "$out/.vmlinuz-x86_64.new"

# --- manifest ---------------------------------------------------------------------------------------
size_of() { du -sb --apparent-size "$1" | cut -f1; }
{
  echo "# TinkerJVM OSIE, built $(date -u +%Y-%m-%dT%H:%M:%SZ) by deploy/osie/build.sh"
  echo "inputs: $fingerprint"
  echo "kernel: $kver ($kernel_pkg ${version[$kernel_pkg]})"
  echo "compression: $compress (${compressor[*]})"
  for p in $kernel_pkg $pkgs_main $pkgs_libs; do echo "package $p ${version[$p]}"; done
  echo "jdk: $jdk $jdk_version"
  echo "jre-modules: $mods"
  echo "agent-aot-cache: $aot"
  echo "agent-jar: sha256 $jar_sha size $(size_of "$jar")"
  echo "kernel-modules: $(echo $closure)"
  echo "kernel-modules-load-order: $(echo $load_order)"
  echo "libraries: $(cd "$root/usr/lib/x86_64-linux-gnu" && ls | xargs)"
  echo "initramfs-files: $files"
  echo "initramfs-uncompressed-bytes: $raw_bytes"
  for part in usr/bin/dockerd usr/bin/containerd usr/bin/containerd-shim-runc-v2 usr/bin/runc usr/bin/docker-init \
              usr/bin/busybox opt/jre opt/osie-agent usr/lib/x86_64-linux-gnu usr/lib/modules; do
    echo "content $part $(size_of "$root/$part")"
  done
  for f in vmlinuz-x86_64 initramfs-x86_64; do
    echo "file $f $(size_of "$out/.$f.new") $(sha256sum "$out/.$f.new" | cut -d' ' -f1)"
  done
} >"$out/.manifest.txt.new"
mv "$out/.vmlinuz-x86_64.new" "$out/vmlinuz-x86_64"
mv "$out/.initramfs-x86_64.new" "$out/initramfs-x86_64"
mv "$out/.manifest.txt.new" "$out/manifest.txt"
rm -rf "$work"
say "done in $(( $(date +%s) - start )) s: $out/vmlinuz-x86_64 ($(size_of "$out/vmlinuz-x86_64") B), $out/initramfs-x86_64 ($(size_of "$out/initramfs-x86_64") B, $raw_bytes B unpacked)"
