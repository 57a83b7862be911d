"""Renders the checker's result as the soak's summary (Markdown, printed and saved)."""
import json

AVAILABILITY_TARGET = 0.99
KIND_LABELS = {
    "kill": "kill -9 (until ready again)",
    "pause": "SIGSTOP pause",
    "partition-isolate": "partition: one node cut off",
    "partition-bridge": "partition: a-c cut, b bridges (a / b / c)",
    "clock": "clock shifted (from the stop to ready on the true clock)",
    "disk": "disk full (until freed and ready)",
}


def verdict(result, meta):
    """(passed, reasons). Lost writes, stale or invalid reads and unverified keys always
    fail a run; the availability target applies only to the default (single-fault) run, and only
    to the windows with one node killed or paused: a partitioned, clock-shifted or disk-full node
    is expected to refuse some requests, which the per-kind figures report."""
    reasons = []
    for name in ("lost", "stale_reads", "invalid_reads", "unverified_keys"):
        if result[name]:
            reasons.append(f"{name.replace('_', ' ')} = {result[name]}")
    share = result["availability"]["one_fault"]["write_ack_share"]
    gated = not meta.get("two_faults") and not meta.get("availability_advisory")
    if gated and share is not None and share < AVAILABILITY_TARGET:
        reasons.append(f"writes acknowledged during single faults {share:.2%} < {AVAILABILITY_TARGET:.0%}")
    convergence = meta.get("convergence")
    if convergence and convergence["diverged"]:
        reasons.append(f"owners disagree after a repair round on {convergence['diverged']} of "
                       f"{convergence['keys']} keys, e.g. {convergence['examples'][0]}")
    for error in meta.get("errors", []):
        reasons.append(f"run error: {error}")
    return not reasons, reasons


def _pct(share):
    return "n/a" if share is None else f"{share:.2%}"


def _val(value):
    return "n/a" if value is None else str(value)


def _converged(convergence):
    if not convergence:
        return "not checked"
    return f"**{convergence['diverged']}** of {convergence['keys']} keys ({_val(convergence['repaired'])} keys repaired by the round)"


def render(result, meta):
    passed, reasons = verdict(result, meta)
    w, r, vis, faults = result["writes"], result["reads"], result["visibility"], result["faults"]
    lines = [
        f"# quorumkv soak: {'PASS' if passed else 'FAIL'}",
        "",
        f"seed {meta.get('seed')}, {meta.get('duration')} s, {meta.get('threads')} client threads "
        f"(at most {meta.get('rate') or 'unlimited'} operations/s each), "
        f"{result['keys']} keys, W=2 R=2 N=3, {'two faults at once allowed' if meta.get('two_faults') else 'at most one faulty node'}"
        + (f", faults: {', '.join(meta['faults'])}" if meta.get("faults") else "")
        + (f", nodes in network namespaces" if meta.get("netns") else ""),
        "",
        "| operations | total | acknowledged / ok | failed (503) | indeterminate |",
        "|---|---:|---:|---:|---:|",
        f"| writes | {w['total']} | {w['ok']} | {w['fail']} | {w['info']} |",
        f"| reads | {r['total']} | {r['ok']} (of which not found: {r['not_found']}) | {r['fail']} | {r['info']} |",
        "",
        f"Warm-up before the run (own keys, checked but not counted above): {result['warmup']['ops']} operations, "
        f"{result['warmup']['not_ok']} not ok.",
        "",
        "| check | count |",
        "|---|---:|",
        f"| **lost** (acknowledged write not visible at the end; must be 0) | **{result['lost']}** |",
        f"| **stale reads** (older than an acknowledged write or read that completed first; must be 0) | **{result['stale_reads']}** |",
        f"| invalid reads (value never written; must be 0) | {result['invalid_reads']} |",
        f"| keys whose final read failed (must be 0) | {result['unverified_keys']} |",
        f"| reads of a late failed/indeterminate write that won by version (allowed) | {result['late_write_reads']} |",
        f"| keys ending on a late failed/indeterminate write newer than the last ack (allowed) | {result['superseded_by_late_write']} |",
        f"| failed writes seen by a read / never seen | {vis['failed_seen']} / {vis['failed_never_seen']} |",
        f"| indeterminate writes seen by a read / never seen | {vis['indeterminate_seen']} / {vis['indeterminate_never_seen']} |",
        f"| answers other than 200/404/503 | {result['unexpected_status']} |",
        f"| owners disagreeing after the run and one repair round (must be 0) | "
        f"{_converged(meta.get('convergence'))} |",
        f"| faults injected | {sum(faults.values())} ({', '.join(f'{k}: {v}' for k, v in sorted(faults.items())) or 'none'}) |",
        "",
        "| window | writes | acknowledged | write p50 / p99 ms | reads | read ok | read p99 ms |",
        "|---|---:|---:|---:|---:|---:|---:|",
    ]
    for name, label in (("no_fault", "no node faulty"), ("one_fault", "**one node down or paused**"),
                        ("one_killed", "... of which killed (until ready again)"),
                        ("one_paused", "... of which paused"), ("two_faults", "two nodes faulty (any kinds)")):
        a = result["availability"][name]
        lines.append(f"| {label} | {a['writes']} | {a['writes_acked']} ({_pct(a['write_ack_share'])}) | "
                     f"{_val(a['write_p50_ms'])} / {_val(a['write_p99_ms'])} | {a['reads']} | {a['reads_ok']} | "
                     f"{_val(a['read_p99_ms'])} |")
    a = result["availability"]["any_fault"]
    lines.append(f"| any fault (every kind below) | {a['writes']} | {a['writes_acked']} ({_pct(a['write_ack_share'])}) | "
                 f"{_val(a['write_p50_ms'])} / {_val(a['write_p99_ms'])} | {a['reads']} | {a['reads_ok']} | "
                 f"{_val(a['read_p99_ms'])} |")
    lines += ["", "Availability per fault kind (operations issued while only faults of that kind were active):", "",
              "| fault kind | injected | writes | acknowledged | of the rest, 4xx | reads | read ok | write p50 / p99 ms | read p99 ms |",
              "|---|---:|---:|---:|---:|---:|---:|---:|---:|"]
    kinds = [k for k in KIND_LABELS if faults.get(k) or f"kind:{k}" in result["availability"]
             or k in meta.get("faults", ())]
    kinds += sorted(k for k in faults if k not in KIND_LABELS)
    for kind in kinds:
        a = result["availability"].get(f"kind:{kind}")
        if a is None:
            lines.append(f"| {KIND_LABELS.get(kind, kind)} | {faults.get(kind, 0)} | 0 | n/a | 0 | 0 | n/a | n/a | n/a |")
            continue
        lines.append(f"| {KIND_LABELS.get(kind, kind)} | {faults.get(kind, 0)} | {a['writes']} | {a['writes_acked']} "
                     f"({_pct(a['write_ack_share'])}) | {a.get('writes_refused_4xx', 0)} | {a['reads']} | {a['reads_ok']} ({_pct(a['read_ok_share'])}) | "
                     f"{_val(a['write_p50_ms'])} / {_val(a['write_p99_ms'])} | {_val(a['read_p99_ms'])} |")
    if not kinds:
        lines.append("| (no fault injected) | 0 | | | | | | | |")
    missed = [k for k in meta.get("faults", ()) if not faults.get(k)]
    if missed:
        lines += ["", f"Not injected in this run (no time left for one to be injected and healed): {', '.join(missed)}."]
    for note in meta.get("skipped", []):
        lines += ["", f"Skipped: {note}"]
    share = result["availability"]["one_fault"]["write_ack_share"]
    lines += ["", f"Availability target: at least {AVAILABILITY_TARGET:.0%} of writes issued while one node was "
                  f"killed or paused are acknowledged: {_pct(share)} "
                  f"({'met' if share is None or share >= AVAILABILITY_TARGET else 'NOT met'}"
                  f"{'; not enforced with --two-faults' if meta.get('two_faults') else ''}"
                  f"{'; reported only (--availability-advisory)' if meta.get('availability_advisory') else ''})."]
    if reasons:
        lines += ["", "Failed because: " + "; ".join(reasons) + "."]
    if result["anomalies"]:
        lines += ["", f"## Anomalies (first 50 of {len(result['anomalies'])})", ""]
        lines += ["- " + json.dumps(a, sort_keys=True) for a in result["anomalies"][:50]]
    if result["notes"]:
        lines += ["", f"## Late failed/indeterminate writes that won by version (first 10 of {len(result['notes'])})",
                  "", "Allowed: such a write may take effect any time after it was sent; its version is newer.", ""]
        lines += ["- " + json.dumps(n, sort_keys=True) for n in result["notes"][:10]]
    return "\n".join(lines) + "\n", passed
