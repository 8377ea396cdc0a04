# Sourced by ./mmsim and ./run-tests: finds a JDK 25 (or newer) and exports JAVA_HOME.
# Order: $MMSIM_JAVA_HOME, $JAVA_HOME, the java on PATH, then the usual install places.
# The default java on these machines is 17, so the search must not stop at PATH.
# No JVM is started to learn a JDK's version: every JDK since 9 has a `release` file whose
# JAVA_VERSION line names it, which bash reads without a subprocess. (Starting a JVM to ask,
# as this file once did, cost two JVM starts per ./mmsim run.) A JDK without a release file
# is asked the old way.

mmsim_java_major() {  # sets MMSIM_JAVA_MAJOR to the feature version of the JDK whose home is $1
  local line v=
  if [ -r "$1/release" ]; then
    while IFS= read -r line || [ -n "$line" ]; do
      case "$line" in JAVA_VERSION=*) v=${line#JAVA_VERSION=}; v=${v//\"/}; break ;; esac
    done < "$1/release"
  else
    v=$("$1/bin/java" -XshowSettings:properties -version 2>&1 | sed -n 's/^ *java\.specification\.version = //p' | head -n 1)
  fi
  v=${v%%[.+-]*}
  [ "$v" = 1 ] && v=8   # 1.8.0_x
  MMSIM_JAVA_MAJOR=$v
}

mmsim_find_jdk() {
  local candidates=() c v java
  [ -n "${MMSIM_JAVA_HOME:-}" ] && candidates+=("$MMSIM_JAVA_HOME")
  [ -n "${JAVA_HOME:-}" ] && candidates+=("$JAVA_HOME")
  if java=$(command -v java 2>/dev/null); then
    java=$(readlink -f "$java") && candidates+=("${java%/bin/java}")
  fi
  for c in /usr/lib/jvm/*25* /usr/lib/jvm/*2[6-9]* /usr/lib/jvm/* /opt/java/* /opt/jdk* "$HOME"/.sdkman/candidates/java/*; do
    [ -d "$c" ] && candidates+=("$c")
  done
  for c in "${candidates[@]}"; do
    [ -x "$c/bin/java" ] && [ -x "$c/bin/javac" ] || continue
    mmsim_java_major "$c"; v=$MMSIM_JAVA_MAJOR
    case "$v" in ''|*[!0-9]*) continue ;; esac
    if [ "$v" -ge 25 ]; then MMSIM_JDK=$c; return 0; fi
  done
  return 1
}

if ! mmsim_find_jdk; then
  cat >&2 <<'MSG'
mmsim: no JDK 25 found. mmsim is built with Java 25.
  Looked at $MMSIM_JAVA_HOME, $JAVA_HOME, the java on PATH and /usr/lib/jvm/*.
  Install one, for example on Debian/Ubuntu: apt-get install temurin-25-jdk
  (from the Adoptium repository) or openjdk-25-jdk, then run this again,
  or point MMSIM_JAVA_HOME at an existing JDK 25.
MSG
  exit 2
fi
export JAVA_HOME="$MMSIM_JDK"
export PATH="$JAVA_HOME/bin:$PATH"

mmsim_need_mvn() {  # Maven is needed only to build
  if ! command -v mvn >/dev/null 2>&1; then
    echo "mmsim: Maven (mvn) is needed to build; install it with: apt-get install maven" >&2
    exit 2
  fi
}
