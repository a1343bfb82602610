#!/usr/bin/env bash
# The local single-node Apache Kafka (KRaft) for development, tests and CI.
#   bash scripts/kafka.sh start|stop|status
# Jars are resolved once through Maven (scripts/kafka/pom.xml) into .data/kafka-jars;
# the log directory is .data/kafka. Starting an already running broker does nothing.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
KAFKA_VERSION="$(sed -n 's:.*<kafka.version>\(.*\)</kafka.version>.*:\1:p' "$ROOT/scripts/kafka/pom.xml")"
JARS="$ROOT/.data/kafka-jars/$KAFKA_VERSION"
DATA="$ROOT/.data/kafka"
PIDFILE="$DATA/broker.pid"
LOG="$DATA/broker.log"
PORT=9092

listening() { (exec 3<>"/dev/tcp/127.0.0.1/$PORT") 2>/dev/null; }
our_pid() { [[ -f "$PIDFILE" ]] && kill -0 "$(cat "$PIDFILE")" 2>/dev/null && cat "$PIDFILE"; }

install_jars() {
  [[ -f "$JARS/.complete" ]] && return 0
  command -v java >/dev/null || { echo "kafka: Java 17+ is required for the local broker (or set KAFKA_BROKERS)" >&2; exit 1; }
  command -v mvn >/dev/null || { echo "kafka: Maven is required to fetch the broker jars (or set KAFKA_BROKERS)" >&2; exit 1; }
  echo "kafka: resolving Apache Kafka $KAFKA_VERSION jars through Maven (once)"
  rm -rf "$JARS" && mkdir -p "$JARS"
  mvn -B -q -f "$ROOT/scripts/kafka/pom.xml" \
    org.apache.maven.plugins:maven-dependency-plugin:3.8.1:copy-dependencies \
    -DincludeScope=runtime -DoutputDirectory="$JARS"
  touch "$JARS/.complete"
}

format_storage() {
  mkdir -p "$DATA/logs"
  { cat "$ROOT/scripts/kafka/server.properties"; echo "log.dirs=$DATA/logs"; } >"$DATA/server.properties"
  if [[ ! -f "$DATA/logs/meta.properties" ]]; then
    # Cluster id: 16 random bytes, base64url, never starting with '-'.
    local id
    id="$(node -e "let b;do{b=require('crypto').randomBytes(16).toString('base64url')}while(b[0]==='-');process.stdout.write(b)")"
    java -cp "$JARS/*" -Dlog4j2.configurationFile="$ROOT/scripts/kafka/log4j2.properties" \
      kafka.tools.StorageTool format -t "$id" -c "$DATA/server.properties" --ignore-formatted >/dev/null
  fi
}

start() {
  if our_pid >/dev/null; then echo "kafka: already running (pid $(cat "$PIDFILE")) on 127.0.0.1:$PORT"; return 0; fi
  if listening; then echo "kafka: something already listens on 127.0.0.1:$PORT; using it"; return 0; fi
  install_jars
  format_storage
  : >"$LOG"
  nohup java -Xms512m -Xmx1g -XX:+UseG1GC -cp "$JARS/*" \
    -Dlog4j2.configurationFile="$ROOT/scripts/kafka/log4j2.properties" \
    kafka.Kafka "$DATA/server.properties" >>"$LOG" 2>&1 &
  echo $! >"$PIDFILE"
  for _ in $(seq 1 120); do
    if ! kill -0 "$(cat "$PIDFILE")" 2>/dev/null; then
      echo "kafka: broker exited during start; last lines of $LOG:" >&2; tail -20 "$LOG" >&2; exit 1
    fi
    if grep -q "Kafka Server started" "$LOG" && node "$ROOT/scripts/kafka-ready.cjs" 2>/dev/null; then
      echo "kafka: Apache Kafka $KAFKA_VERSION ready on 127.0.0.1:$PORT (pid $(cat "$PIDFILE"))"; return 0
    fi
    sleep 0.5
  done
  echo "kafka: broker did not become ready in 60 s; see $LOG" >&2; exit 1
}

stop() {
  local pid
  if ! pid="$(our_pid)"; then echo "kafka: not running"; rm -f "$PIDFILE"; return 0; fi
  kill -TERM "$pid"
  for _ in $(seq 1 60); do kill -0 "$pid" 2>/dev/null || { rm -f "$PIDFILE"; echo "kafka: stopped"; return 0; }; sleep 0.5; done
  echo "kafka: broker did not stop in 30 s; sending SIGKILL" >&2; kill -KILL "$pid"; rm -f "$PIDFILE"
}

status() {
  if pid="$(our_pid)"; then echo "kafka: running (pid $pid) on 127.0.0.1:$PORT"
  elif listening; then echo "kafka: an external broker listens on 127.0.0.1:$PORT"
  else echo "kafka: stopped"; return 3; fi
}

case "${1:-}" in
  start) start ;; stop) stop ;; status) status ;;
  install) install_jars ;;
  *) echo "usage: $0 start|stop|status|install" >&2; exit 2 ;;
esac
