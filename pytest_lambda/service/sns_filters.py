"""Two SNS filter-policy operators moto does not apply, while the embedded AWS runs.

- ``equals-ignore-case`` (SNS developer guide, "String value matching"): moto lower-cases the
  message's value and compares it with the policy's as written, so ``"ABC"`` never matches.
  The policy's value is lower-cased before moto reads it.
- ``cidr`` (SNS developer guide, "IP address matching"): moto refuses the policy
  (``InvalidParameter``), so the subscription, and an application that declares it, fails.
  An IPv4 block is given to moto as the prefixes (or addresses) it covers: ``10.0.0.0/24`` is
  ``{"prefix": "10.0.0."}``, ``10.0.0.0/23`` is two prefixes, ``10.0.0.7/32`` the address.

Both apply to every subscription made under :class:`~pytest_lambda.service.aws.MockedAws`:
the ones the application or the plugin makes and the ones a test or handler makes.
"""

from __future__ import annotations

import ipaddress
from typing import Any

from .moto_patch import MotoPatch


def translate(policy: Any) -> Any:
    """``policy`` with ``equals-ignore-case`` values lower-cased and IPv4 ``cidr`` rules
    written as the prefixes moto matches (an IPv6 or malformed block is left for moto to
    refuse)."""
    if isinstance(policy, dict):
        return {key: translate(value) for key, value in policy.items()}
    if not isinstance(policy, list):
        return policy
    out: list[Any] = []
    for rule in policy:
        if isinstance(rule, dict) and set(rule) == {"equals-ignore-case"} and \
                isinstance(rule["equals-ignore-case"], str):
            out.append({"equals-ignore-case": rule["equals-ignore-case"].lower()})
        elif isinstance(rule, dict) and set(rule) == {"cidr"}:
            out.extend(_cidr(rule))
        else:
            out.append(translate(rule))
    return out


def _cidr(rule: dict[str, Any]) -> list[Any]:
    try:
        block = ipaddress.ip_network(str(rule["cidr"]), strict=False)
    except ValueError:
        return [rule]
    if not isinstance(block, ipaddress.IPv4Network):
        return [rule]
    octets = str(block.network_address).split(".")
    whole, rest = divmod(block.prefixlen, 8)
    if rest == 0:
        if whole == 4:
            return [str(block.network_address)]
        return [{"prefix": "".join(f"{o}." for o in octets[:whole])}]
    first = int(octets[whole])
    values = [".".join([*octets[:whole], str(first + step)])
              for step in range(2 ** (8 - rest))]
    return values if whole == 3 else [{"prefix": f"{v}."} for v in values]


def _targets() -> list[Any]:
    from moto.sns.models import SNSBackend  # the embedded AWS is starting: moto is loaded
    from moto.sns.utils import FilterPolicyMatcher

    return [(SNSBackend, "_validate_filter_policy", _validate),
            (FilterPolicyMatcher, "__init__", _matcher_init)]


PATCH = MotoPatch(_targets)
install, uninstall = PATCH.install, PATCH.uninstall


def _validate(self: Any, value: Any, scope: Any) -> Any:
    from moto.sns.models import SNSBackend  # loaded: this stand-in is moto's now

    return PATCH.original(SNSBackend, "_validate_filter_policy")(self, translate(value), scope)


def _matcher_init(self: Any, filter_policy: Any, filter_policy_scope: Any) -> None:
    from moto.sns.utils import FilterPolicyMatcher  # loaded: this stand-in is moto's now

    PATCH.original(FilterPolicyMatcher, "__init__")(self, translate(filter_policy),
                                                    filter_policy_scope)
