# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type


class ModuleDocFragment(object):

    # Connection options, requirements and notes of every gcore.tasks module (extends: gcore.tasks.connection).
    DOCUMENTATION = r"""
options:
  api_key:
    description:
      - 'Gcore API key (permanent API token), sent as C(Authorization: APIKey <key>).'
      - If not set, the value of the E(GCORE_API_KEY) environment variable is used. One of the two is
        required; with neither, the module fails before any request, saying so.
      - The key is never logged, printed or returned.
    type: str
  api_url:
    description:
      - Base URL of the Gcore API, with its C(http://) or C(https://) scheme.
      - 'Which value wins: O(api_url) when the task gives it (directly or through C(module_defaults));
        otherwise the E(GCORE_BASE_URL) environment variable when it is set; otherwise the default
        V(https://api.gcore.com). The default is used only when neither is given, so an exported
        E(GCORE_BASE_URL) is not overridden by it; an empty E(GCORE_BASE_URL) is refused, not ignored.'
      - Proxies from E(HTTPS_PROXY), E(HTTP_PROXY) and E(NO_PROXY) are honoured.
    type: str
    default: https://api.gcore.com
  api_timeout:
    description:
      - Seconds to wait for the API to answer each single request (not the whole wait).
    type: float
    default: 30.0
  api_retries:
    description:
      - How many times a request is retried after HTTP 408, 409, 429, 500, 502, 503 or 504, a
        connection error or a read timeout, with exponential backoff (0.5 s doubling up to 8 s,
        with jitter). A C(Retry-After) header (seconds or HTTP date) is honoured up to 60 s.
      - During a wait, no retry sleep goes past C(wait_timeout), and a request that got no answer
        by then is not retried.
      - A write call sent by M(gcore.tasks.gcore_request) (C(POST), C(PUT), C(PATCH), C(DELETE)) is
        retried only after HTTP 429 or a connection that could not be made, never after a fault that
        means the API may have acted on it.
      - V(0) disables retries.
    type: int
    default: 3
  validate_certs:
    description:
      - Whether to verify the API's TLS certificate. Set to V(false) only against a test endpoint.
    type: bool
    default: true
  ca_path:
    description:
      - A PEM file of CA certificates to verify the API's certificate against, instead of the
        bundle shipped with C(certifi).
    type: path
requirements:
  - python >= 3.9
  - requests
notes:
  - All modules of this collection belong to the action group C(gcore.tasks.all), so
    C(module_defaults) with C(group/gcore.tasks.all) sets the connection options once per play.
  - 'The modules only talk to the API; run them on the controller with C(delegate_to: localhost)
    or in a play on C(localhost).'
"""
