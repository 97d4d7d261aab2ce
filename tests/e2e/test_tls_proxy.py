# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""TLS verification (on by default, ca_path, validate_certs) and proxies from the environment."""

import certifi
import pytest

from gcore_e2e import API_KEY, assert_one_line_api_error, base_args, run_module
from gcore_transport import CountingProxy, HttpsSandbox, make_self_signed, proxy_env

pytest.importorskip("cryptography", reason="the cryptography package makes the self-signed test certificate")

GET_ONE = "GET /cloud/v1/tasks/{task_id}"


@pytest.fixture(params=["no-ca-bundle-env", "requests-ca-bundle-env"])
def tls_env(request):
    """Without and with REQUESTS_CA_BUNDLE / CURL_CA_BUNDLE, which many CI and execution environment images set."""
    bundle = certifi.where() if request.param == "requests-ca-bundle-env" else None
    return dict(proxy_env(), REQUESTS_CA_BUNDLE=bundle, CURL_CA_BUNDLE=bundle)


@pytest.fixture
def https_sandbox(sandbox, tmp_path):
    cert, key = make_self_signed(tmp_path)
    with HttpsSandbox(sandbox, cert, key) as server:
        server.cert = cert
        yield server


def read_args(sandbox, url, task_id, **args):
    return base_args(sandbox, **dict(dict(api_url=url, task_ids=[task_id], api_retries=2), **args))


def test_a_self_signed_certificate_is_refused_by_default_with_a_clear_message_and_no_retry(
        sandbox, https_sandbox, collections_path, tls_env):
    task_id = sandbox.add_task(duration=0)
    run = run_module(collections_path, "gcore_task_info", read_args(sandbox, https_sandbox.url, task_id),
                     env=tls_env)
    failure = assert_one_line_api_error(run, status=None, request_id=False, contains=["TLS verification failed"])
    assert "CERTIFICATE_VERIFY_FAILED" in failure["message"] or "certificate verify failed" in failure["message"]
    assert sandbox.counters()["total"] == 0, "no request got through the refused handshake"


def test_validate_certs_false_accepts_the_self_signed_certificate(sandbox, https_sandbox, collections_path, tls_env):
    task_id = sandbox.add_task(duration=0)
    run = run_module(collections_path, "gcore_task_info",
                     read_args(sandbox, https_sandbox.url, task_id, validate_certs=False), env=tls_env)
    assert not run.failed, run
    assert run.result["tasks"][0]["id"] == task_id


def test_ca_path_trusts_the_certificate_while_verification_stays_on(sandbox, https_sandbox, collections_path, tls_env):
    task_id = sandbox.add_task(duration=0)
    run = run_module(collections_path, "gcore_task_wait",
                     read_args(sandbox, https_sandbox.url, task_id, ca_path=https_sandbox.cert, wait_timeout=5),
                     env=tls_env)
    assert not run.failed, run
    assert run.result["created_resources"]["volumes"] == sandbox.task(task_id)["created_resources"]["volumes"]


def test_a_missing_ca_path_file_is_a_clear_error_before_any_request(
        sandbox, https_sandbox, collections_path, tmp_path):
    task_id = sandbox.add_task(duration=0)
    sandbox.reset_counters()
    missing = str(tmp_path / "no-such-ca.pem")
    run = run_module(collections_path, "gcore_task_info",
                     read_args(sandbox, https_sandbox.url, task_id, ca_path=missing), env=proxy_env())
    assert run.failed and missing in run.msg and "ca_path" in run.msg, run
    assert "\n" not in run.msg and "Traceback" not in run.stdout + run.stderr, run
    assert sandbox.counters()["total"] == 0


def test_a_wait_against_an_untrusted_certificate_fails_at_once_instead_of_polling_until_the_deadline(
        sandbox, https_sandbox, collections_path):
    task_id = sandbox.add_task(duration=0)
    run = run_module(collections_path, "gcore_task_wait",
                     read_args(sandbox, https_sandbox.url, task_id, wait_timeout=600, wait_sleep=0.5), env=proxy_env())
    # wait_timeout 600 is far beyond run_module's 60 s: a wait that polled on would never get here.
    assert_one_line_api_error(run, status=None, request_id=False, contains=["TLS verification failed"])
    assert not run.msg.startswith("Timed out"), "a certificate problem does not heal by waiting"


def test_https_proxy_from_the_environment_is_used_for_an_https_api_url(sandbox, https_sandbox, collections_path):
    task_id = sandbox.add_task(duration=0)
    with CountingProxy() as proxy:
        run = run_module(collections_path, "gcore_task_info",
                         read_args(sandbox, https_sandbox.url, task_id, ca_path=https_sandbox.cert),
                         env=dict(proxy_env(HTTPS_PROXY=proxy.url), REQUESTS_CA_BUNDLE="", CURL_CA_BUNDLE=""))
    assert not run.failed, run
    assert proxy.seen == [("CONNECT", https_sandbox.url.split("//")[1])]
    assert sandbox.counters()["routes"] == {GET_ONE: 1}


def test_http_proxy_from_the_environment_is_used_for_an_http_api_url_and_no_proxy_bypasses_it(
        sandbox, collections_path):
    task_id = sandbox.add_task(duration=0)
    with CountingProxy() as proxy:
        run = run_module(collections_path, "gcore_task_info", read_args(sandbox, sandbox.url, task_id),
                         env=proxy_env(HTTP_PROXY=proxy.url))
        assert not run.failed, run
        assert proxy.seen == [("GET", "%s/cloud/v1/tasks/%s" % (sandbox.url, task_id))]
        run = run_module(collections_path, "gcore_task_info", read_args(sandbox, sandbox.url, task_id),
                         env=proxy_env(HTTP_PROXY=proxy.url, NO_PROXY="127.0.0.1"))
        assert not run.failed, run
        assert len(proxy.seen) == 1, "NO_PROXY bypasses the proxy"
    assert sandbox.counters()["routes"] == {GET_ONE: 2}
    assert all(entry["headers"].get("Authorization") == "APIKey " + API_KEY for entry in sandbox.requests())


def test_an_unreachable_proxy_is_a_clear_bounded_error(sandbox, collections_path):
    task_id = sandbox.add_task(duration=0)
    sandbox.reset_counters()
    run = run_module(collections_path, "gcore_task_info",
                     read_args(sandbox, sandbox.url, task_id, api_retries=1),
                     env=proxy_env(HTTP_PROXY="http://127.0.0.1:9"))
    assert_one_line_api_error(run, status=None, request_id=False, contains=[("proxy", "Proxy")])
    assert sandbox.counters()["total"] == 0


PROXIED_PLAY = """
- name: A wait through the proxy that a play's environment names
  hosts: localhost
  gather_facts: false
  environment:
    HTTPS_PROXY: "{{ proxy_url }}"
    https_proxy: "{{ proxy_url }}"
  tasks:
    - name: Wait
      gcore.tasks.gcore_task_wait:
        api_url: "{{ https_url }}"
        ca_path: "{{ ca_file }}"
        task_ids: "{{ ids }}"
        wait_timeout: 20
        wait_sleep: 0.3
"""


def test_a_plays_environment_keyword_sets_the_proxy_for_the_modules(run_playbook, sandbox, https_sandbox):
    ids = sandbox.add_tasks([{"duration": 0.5}, {"duration": 0.5, "task_type": "create_vm"}])
    with CountingProxy() as proxy:
        run = run_playbook(PROXIED_PLAY, env=dict(REQUESTS_CA_BUNDLE="", CURL_CA_BUNDLE=""),
                           extra_vars={"proxy_url": proxy.url, "https_url": https_sandbox.url,
                                       "ca_file": https_sandbox.cert, "ids": ids})
    assert run.rc == 0, run.stdout + run.stderr
    assert sorted(run.result("Wait")["result"]["created_resources"]) == ["instances", "volumes"]
    assert proxy.seen and all(method == "CONNECT" for method, _target in proxy.seen)
    assert len(proxy.seen) <= 2, "one keep-alive tunnel per module run (a reconnect at most)"
