#!/bin/sh
# quorumkv chart, pre-upgrade hook: decommission the members a scale-down removes, before the
# StatefulSet removes their pods. For each member plan.jq names (ordinal >= TARGET_REPLICAS,
# highest first), one at a time: DELETE /admin/members/{id} (202 begun; 409 another change is in
# progress: wait and retry; 400 refused: fail), then poll GET /admin/topology until it is LEFT.
# Each member gets TIMEOUT_SECONDS; past that the Job fails, so the upgrade fails and no pod goes.
# Idempotent: members already LEAVING are waited for, LEFT or absent ones skipped.
#
# Env: ADMIN_URL (the client Service), MEMBER_PREFIX (the StatefulSet's name), TARGET_REPLICAS,
# TIMEOUT_SECONDS, POLL_SECONDS, CLUSTER_SECRET. Tools: POSIX sh, curl and jq (in the image).
set -eu

here=$(dirname "$0")
body=$(mktemp)
trap 'rm -f "$body"' EXIT

log() { echo "scale-down: $*"; }
fail() { log "FAILED: $*"; exit 1; }
deadline() { echo $(( $(date +%s) + TIMEOUT_SECONDS )); }
past() { [ "$(date +%s)" -ge "$1" ]; }

# call METHOD PATH: $status is the HTTP status (000: no answer), the body is in $body. The secret
# goes to curl on stdin, not on its command line.
call() {
  status=$(printf 'Authorization: Bearer %s\n' "$CLUSTER_SECRET" \
    | curl -sS -o "$body" -w '%{http_code}' -X "$1" -H @- --connect-timeout 5 --max-time 30 "$ADMIN_URL$2") \
    || status=000
}

# topology UNTIL: the current topology into $body, waiting out failed answers until UNTIL.
topology() {
  while :; do
    call GET /admin/topology
    case $status in
      200) return 0 ;;
      401|403) fail "GET /admin/topology answered $status: $(cat "$body")" ;;
    esac
    past "$1" && fail "GET /admin/topology: no good answer within ${TIMEOUT_SECONDS}s (last status $status)"
    log "GET /admin/topology answered $status; retrying in ${POLL_SECONDS}s"
    sleep "$POLL_SECONDS"
  done
}

plan() { jq -r --arg prefix "$MEMBER_PREFIX" --argjson target "$TARGET_REPLICAS" -f "$here/plan.jq" "$body"; }
state_of() { jq -r --arg id "$1" 'first(.members[] | select(.id == $id) | .state) // "ABSENT"' "$body"; }

by=$(deadline)
topology "$by"
todo=$(plan)
if [ -z "$todo" ]; then
  log "nothing to decommission for replicaCount=$TARGET_REPLICAS"
  exit 0
fi
log "to decommission for replicaCount=$TARGET_REPLICAS, in this order:" $todo

while :; do
  topology "$by"
  member=$(plan | head -n 1)
  [ -n "$member" ] || break
  by=$(deadline)

  # Begin the decommission, unless it has begun already (an earlier run, or a lost 202).
  while :; do
    state=$(state_of "$member")
    case $state in LEAVING|LEFT|ABSENT) break ;; esac
    call DELETE "/admin/members/$member"
    case $status in
      202) log "$member: decommission begun"; break ;;
      400) fail "$member: the cluster refused to decommission it: $(cat "$body")" ;;
      401|403) fail "DELETE /admin/members/$member answered $status: $(cat "$body")" ;;
      409) log "$member: another membership change is in progress; retrying in ${POLL_SECONDS}s" ;;
      *) log "$member: DELETE answered $status; retrying in ${POLL_SECONDS}s" ;;
    esac
    past "$by" && fail "$member: its decommission could not begin within ${TIMEOUT_SECONDS}s (last status $status)"
    sleep "$POLL_SECONDS"
    topology "$by"
  done

  # Wait until it has LEFT: its partitions are streamed to their new owners by then.
  while :; do
    topology "$by"
    state=$(state_of "$member")
    case $state in LEFT|ABSENT) log "$member: $state"; break ;; esac
    past "$by" && fail "$member: still $state after ${TIMEOUT_SECONDS}s"
    sleep "$POLL_SECONDS"
  done
done
log "done: no member from ordinal $TARGET_REPLICAS up remains"
