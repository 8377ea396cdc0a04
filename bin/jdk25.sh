# Sourced by ./mmsim and ./run-tests: finds a JDK 25 (or newer) and exports JAVA_HOME.
# Order: $MMSIM_JAVA_HOME, $JAVA_HOME, the java on PATH, then the usual install places.
# The default java on these machines is 17, so the search must not stop at PATH.

mmsim_java_major() {  # prints the feature version of the java binary given as $1
  "$1" -XshowSettings:properties -version 2>&1 | sed -n 's/^ *java\.specification\.version = //p' | head -n 1
}

mmsim_find_jdk() {
  local candidates=() c v
  [ -n "${MMSIM_JAVA_HOME:-}" ] && candidates+=("$MMSIM_JAVA_HOME")
  [ -n "${JAVA_HOME:-}" ] && candidates+=("$JAVA_HOME")
  if command -v java >/dev/null 2>&1; then
    candidates+=("$(dirname "$(dirname "$(readlink -f "$(command -v java)")")")")
  fi
  for c in /usr/lib/jvm/*25* /usr/lib/jvm/*2[6-9]* /usr/lib/jvm/* /opt/java/* /opt/jdk* "$HOME"/.sdkman/candidates/java/*; do
    [ -d "$c" ] && candidates+=("$c")
  done
  for c in "${candidates[@]}"; do
    [ -x "$c/bin/java" ] && [ -x "$c/bin/javac" ] || continue
    v=$(mmsim_java_major "$c/bin/java")
    case "$v" in ''|*[!0-9]*) continue ;; esac
    if [ "$v" -ge 25 ]; then echo "$c"; return 0; fi
  done
  return 1
}

if ! MMSIM_JDK=$(mmsim_find_jdk); then
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

if ! command -v mvn >/dev/null 2>&1; then
  echo "mmsim: Maven (mvn) is needed to build; install it with: apt-get install maven" >&2
  exit 2
fi
