"""The soak's last check: replicas converge without reads. After the run, one anti-entropy round
(POST /admin/repair) and then every owner of every key the soak used must hold the same version, as
GET /admin/keys/{key} reports it. An owner that errs counts as diverged."""
import http.client
import json
import urllib.parse

REPAIR_TIMEOUT = 600
KEY_TIMEOUT = 30
EXAMPLES = 5


class ConvergenceError(Exception):
    pass


def _call(host, port, secret, method, path, timeout):
    conn = http.client.HTTPConnection(host, port, timeout=timeout)
    try:
        conn.request(method, path, headers={"Authorization": f"Bearer {secret}"})
        response = conn.getresponse()
        body = response.read()
    except (OSError, http.client.HTTPException) as error:
        raise ConvergenceError(f"{method} {path}: {type(error).__name__}: {error}") from error
    finally:
        conn.close()
    if response.status != 200:
        raise ConvergenceError(f"{method} {path} answered {response.status}: {body[:300]!r}")
    return json.loads(body)


def check_convergence(host, port, secret, keys):
    """{"keys", "diverged", "examples", "repaired"}; raises ConvergenceError when the admin API fails."""
    repair = _call(host, port, secret, "POST", "/admin/repair", REPAIR_TIMEOUT)
    diverged = []
    for key in keys:
        answer = _call(host, port, secret, "GET", "/admin/keys/" + urllib.parse.quote(key, safe=""), KEY_TIMEOUT)
        held = {owner["id"]: owner.get("error") or owner.get("version") for owner in answer["owners"]}
        if any("error" in owner for owner in answer["owners"]) or len(set(held.values())) != 1:
            diverged.append({"key": key, "owners": held})
    return {"keys": len(keys), "diverged": len(diverged), "examples": diverged[:EXAMPLES],
            "repaired": repair.get("keysRepaired")}
