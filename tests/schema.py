"""Validation of every response body against Stripe's own OpenAPI schema (API 2023-08-16).

The emulator answers for API version 2026-10-28.endive, which is newer than the vendored spec.
What Stripe added since is allowed here **explicitly**, nothing else:

- ``NEWER_FIELDS``: properties a component schema gained (from the stripe-python 16.1 resource
  classes, e.g. ``stripe/issuing/_authorization.py``, cross-checked with
  ``emulator/spec/fixtures-subset-latest.json``). Their values are not checked further.
- ``NEWER_ENUMS``: enum values added to a property (``"<schema>.<property>"``).
- ``NEWER_NULLABLE``: properties that became nullable (seen as ``null`` in the newest fixtures).
- ``NEWER_OBJECTS``: whole objects the 2023 spec does not have; only their top-level field names
  are checked.

Rules: ``$ref`` is followed; ``nullable`` allows ``null``; ``anyOf`` needs one matching option
(an expandable field is ``anyOf[id string, expanded object]`` in the spec); an object schema with
``properties`` is closed (an unknown property is a violation) unless it has
``additionalProperties``; ``required`` properties must be present; ``enum``, ``maxLength`` and
``pattern`` (the list ``url``) are checked. A free-form object that carries a known ``object``
(an event's ``data.object``) is checked as that object. Error bodies are checked against the
``error`` schema and must carry ``type`` and ``message``. Any 5xx is a violation.

:class:`ConformanceRecorder` is hooked on the test session's server (``api.observers``) and
collects violations; ``tests/conftest.py`` fails the test that produced them.
"""

from __future__ import annotations

import json
import re
import threading
from collections.abc import Callable
from typing import Any

from emulator.http.params import load_spec

Schema = dict[str, Any]
Problems = list[str]

# --- what Stripe added after API 2023-08-16 (explicit allowance) ----------------------------

NEWER_FIELDS: dict[str, frozenset[str]] = {
    "account": frozenset({"groups"}),
    "account_bacs_debit_payments_settings": frozenset({"service_user_number"}),
    "account_business_profile": frozenset(
        {
            "annual_revenue", "estimated_worker_count", "minority_owned_business_designation",
            "specified_commercial_transactions_act_url",
        }
    ),
    "account_capabilities": frozenset(
        {
            "alma_payments", "amazon_pay_payments", "app_distribution", "billie_payments", "bizum_payments",
            "blik_recurring_payments", "crypto_payments", "gb_bank_transfer_payments", "jp_bank_transfer_payments",
            "kakao_pay_payments", "kr_card_payments", "mb_way_payments", "mobilepay_payments", "multibanco_payments",
            "mx_bank_transfer_payments", "naver_pay_payments", "nz_bank_account_becs_debit_payments",
            "pay_by_bank_payments", "payco_payments", "paypay_payments", "payto_payments", "pix_payments",
            "revolut_pay_payments", "samsung_pay_payments", "satispay_payments", "scalapay_payments",
            "sepa_bank_transfer_payments", "sequra_payments", "sunbit_payments", "swish_payments", "twint_payments",
            "upi_payments", "us_bank_transfer_payments", "wero_payments",
        }
    ),
    "account_settings": frozenset({"invoices", "paypay_payments"}),
    "account_unification_account_controller": frozenset(
        {
            "fees", "losses", "requirement_collection", "stripe_dashboard",
        }
    ),
    "balance_transaction": frozenset({"balance_type"}),
    "event": frozenset({"context"}),
    "inbound_transfers_payment_method_details_us_bank_account": frozenset({"mandate"}),
    "issuing.authorization": frozenset(
        {
            "card_presence", "fleet", "fraud_challenges", "fuel", "token", "verified_by_fraud_challenge",
        }
    ),
    "issuing.card": frozenset(
        {
            "latest_fraud_warning", "lifecycle_controls", "personalization_design", "second_line",
        }
    ),
    "issuing.dispute": frozenset({"loss_reason"}),
    "issuing.transaction": frozenset({"network_data", "token"}),
    "issuing_authorization_merchant_data": frozenset({"tax_id", "url"}),
    "issuing_authorization_network_data": frozenset({"system_trace_audit_number", "transaction_id"}),
    "issuing_authorization_pending_request": frozenset({"network_risk_score"}),
    "issuing_authorization_request": frozenset({"authorization_code", "network_risk_score", "requested_at"}),
    "issuing_authorization_verification_data": frozenset(
        {
            "authentication_exemption", "postal_code", "three_d_secure",
        }
    ),
    "issuing_card_authorization_controls": frozenset(
        {
            "allowed_card_presences", "allowed_merchant_countries", "blocked_card_presences",
            "blocked_merchant_countries",
        }
    ),
    "issuing_card_shipping": frozenset({"address_validation", "business_name", "delivered_at", "shipped_at"}),
    "issuing_cardholder_authorization_controls": frozenset(
        {
            "allowed_card_presences", "allowed_merchant_countries", "blocked_card_presences",
            "blocked_merchant_countries",
        }
    ),
    "issuing_dispute_evidence": frozenset({"no_valid_authorization"}),
    "issuing_transaction_fuel_data": frozenset({"industry_product_code", "quantity_decimal"}),
    "issuing_transaction_purchase_details": frozenset({"fleet"}),
    "legal_entity_company": frozenset(
        {
            "administrative_address", "directorship_declaration", "ownership_exemption_reason", "physical_address",
            "principal_place_of_business", "registration_date", "representative_declaration",
        }
    ),
    "outbound_payments_payment_method_details_us_bank_account": frozenset({"mandate"}),
    "outbound_transfers_payment_method_details": frozenset({"financial_account"}),
    "outbound_transfers_payment_method_details_us_bank_account": frozenset({"mandate"}),
    "transfer_schedule": frozenset({"monthly_payout_days", "weekly_payout_days"}),
    "treasury.financial_account": frozenset({"is_default", "nickname"}),
    "treasury.outbound_payment": frozenset({"tracking_details"}),
    "treasury.outbound_transfer": frozenset({"tracking_details"}),
    "treasury_received_credits_resource_source_flows_details": frozenset({"outbound_transfer"}),
    "treasury_received_debits_resource_linked_flows": frozenset({"payout", "topup"}),

}

NEWER_ENUMS: dict[str, frozenset[str]] = {
    "account.type": frozenset({"none"}),
    "account_requirements_error.code": frozenset(
        {
            "external_request", "information_missing", "invalid_address_cmra_address",
            "invalid_address_highway_contract_box", "invalid_address_private_mailbox",
            "invalid_address_registered_agent_address", "invalid_business_profile_name",
            "invalid_business_profile_name_denylisted", "invalid_company_name_denylisted",
            "invalid_dob_age_over_maximum", "invalid_dob_age_under_minimum", "invalid_product_description_length",
            "invalid_product_description_url_match", "invalid_signator",
            "invalid_statement_descriptor_business_mismatch", "invalid_statement_descriptor_denylisted",
            "invalid_statement_descriptor_length", "invalid_statement_descriptor_prefix_denylisted",
            "invalid_statement_descriptor_prefix_mismatch", "invalid_tax_id", "invalid_tax_id_format",
            "invalid_url_denylisted", "invalid_url_format", "invalid_url_length", "invalid_url_web_presence_detected",
            "invalid_url_website_business_information_mismatch", "invalid_url_website_empty",
            "invalid_url_website_inaccessible", "invalid_url_website_inaccessible_geoblocked",
            "invalid_url_website_inaccessible_password_protected", "invalid_url_website_incomplete",
            "invalid_url_website_incomplete_cancellation_policy",
            "invalid_url_website_incomplete_customer_service_details",
            "invalid_url_website_incomplete_legal_restrictions", "invalid_url_website_incomplete_refund_policy",
            "invalid_url_website_incomplete_return_policy", "invalid_url_website_incomplete_terms_and_conditions",
            "invalid_url_website_incomplete_under_construction", "invalid_url_website_other",
            "unsupported_business_type", "verification_failed_authorizer_authority",
            "verification_failed_representative_authority", "verification_legal_entity_structure_mismatch",
            "verification_rejected_ownership_exemption_reason",
            "verification_requires_additional_proof_of_registration", "verification_supportability",
        }
    ),
    "balance_transaction.type": frozenset(
        {
            "climate_order_purchase", "climate_order_refund", "fee_credit_funding", "inbound_transfer",
            "inbound_transfer_reversal", "issuing_dispute_provisional_credit",
            "issuing_dispute_provisional_credit_reversal", "payment_network_reserve_hold",
            "payment_network_reserve_release", "payment_unreconciled", "payout_minimum_balance_hold",
            "payout_minimum_balance_release", "reserve_hold", "reserve_release", "stripe_balance_payment_debit",
            "stripe_balance_payment_debit_reversal", "tax_fund",
        }
    ),
    "issuing.authorization.status": frozenset({"expired"}),
    "issuing.card.cancellation_reason": frozenset({"fulfillment_error"}),
    "issuing.card.replacement_reason": frozenset({"fulfillment_error"}),
    "issuing_authorization_request.reason": frozenset(
        {
            "card_canceled", "card_expired", "cardholder_blocked", "insecure_authorization_method",
            "network_fallback", "pin_blocked", "stripe_internal_error",
        }
    ),
    "issuing_card_shipping.carrier": frozenset({"correos"}),
    "issuing_card_shipping.status": frozenset({"submitted"}),
    "issuing_dispute_evidence.reason": frozenset({"no_valid_authorization"}),
    "legal_entity_company.structure": frozenset({"registered_charity"}),
    "outbound_transfers_payment_method_details.type": frozenset({"financial_account"}),
    "treasury.financial_account.active_features": frozenset({"financial_addresses.aba.forwarding"}),
    "treasury.financial_account.pending_features": frozenset({"financial_addresses.aba.forwarding"}),
    "treasury.financial_account.restricted_features": frozenset({"financial_addresses.aba.forwarding"}),
    "treasury.received_credit.failure_code": frozenset({"international_transaction"}),
    "treasury.received_credit.network": frozenset({"rtp"}),
    "treasury.received_debit.failure_code": frozenset({"international_transaction"}),
    "treasury_financial_accounts_resource_financial_address.supported_networks": frozenset({"rtp"}),
    "treasury_received_credits_resource_source_flows_details.type": frozenset({"outbound_transfer"}),

}

NEWER_NULLABLE: frozenset[str] = frozenset(
    {
        "account_bacs_debit_payments_settings.display_name",  # null in fixtures-subset-latest.json (account)
    }
)

NEWER_OBJECTS: dict[str, frozenset[str]] = {
    "issuing.token": frozenset(
        {
            "card", "created", "device_fingerprint", "id", "last4", "livemode", "network", "network_data",
            "network_updated_at", "object", "status", "wallet_provider",
        }
    ),
    "issuing.personalization_design": frozenset(
        {
            "card_logo", "carrier_text", "created", "id", "livemode", "lookup_key", "metadata", "name", "object",
            "physical_bundle", "preferences", "rejection_reasons", "status",
        }
    ),
    "issuing.physical_bundle": frozenset({"features", "id", "livemode", "name", "object", "status", "type"}),
}

_MAX_SHOWN = 80


def _show(value: Any) -> str:
    text = json.dumps(value, ensure_ascii=False)
    return text if len(text) <= _MAX_SHOWN else text[: _MAX_SHOWN - 3] + "..."


def _type_ok(value: Any, typ: str) -> bool:
    if typ == "string":
        return isinstance(value, str)
    if typ == "integer":
        return isinstance(value, int) and not isinstance(value, bool)
    if typ == "number":
        return isinstance(value, (int, float)) and not isinstance(value, bool)
    if typ == "boolean":
        return isinstance(value, bool)
    if typ == "array":
        return isinstance(value, list)
    if typ == "object":
        return isinstance(value, dict)
    return True


class SchemaValidator:
    """Checks JSON values against the spec's component schemas (plus the newer allowances)."""

    def __init__(
        self,
        spec: dict[str, Any] | None = None,
        *,
        newer_fields: dict[str, frozenset[str]] | None = None,
        newer_enums: dict[str, frozenset[str]] | None = None,
        newer_objects: dict[str, frozenset[str]] | None = None,
        newer_nullable: frozenset[str] | None = None,
    ) -> None:
        self.spec = spec if spec is not None else load_spec()
        self.schemas: dict[str, Schema] = self.spec["components"]["schemas"]
        self.newer_fields = NEWER_FIELDS if newer_fields is None else newer_fields
        self.newer_enums = NEWER_ENUMS if newer_enums is None else newer_enums
        self.newer_objects = NEWER_OBJECTS if newer_objects is None else newer_objects
        self.newer_nullable = NEWER_NULLABLE if newer_nullable is None else newer_nullable
        # ``object`` value -> component schema names carrying it ("account" -> account, deleted_account)
        self.by_object: dict[str, list[str]] = {}
        for name, schema in self.schemas.items():
            enum = schema.get("properties", {}).get("object", {}).get("enum")
            if isinstance(enum, list) and len(enum) == 1:
                self.by_object.setdefault(enum[0], []).append(name)
        self._patterns: dict[str, re.Pattern[str]] = {}

    # --- entry points ------------------------------------------------------------------------

    def check(self, value: Any, schema: Schema, where: str = "$") -> Problems:
        problems: Problems = []
        self._check(value, schema, where, "", "", problems)
        return problems

    def check_named(self, value: Any, name: str, where: str | None = None) -> Problems:
        return self.check(value, {"$ref": f"#/components/schemas/{name}"}, where or name)

    def schema_for_object(self, value: dict[str, Any]) -> str | None:
        """The component schema of a value that says which ``object`` it is."""
        names = self.by_object.get(str(value.get("object")))
        if not names:
            return None
        deleted = value.get("deleted") is True
        for name in names:
            if name.startswith("deleted_") == deleted:
                return name
        return names[0]

    def check_object(self, value: Any, where: str = "$") -> Problems:
        """A body or item checked by its own ``object`` (lists: envelope and every item)."""
        if not isinstance(value, dict):
            return [f"{where}: expected an object, got {_show(value)}"]
        kind = value.get("object")
        if kind == "list":
            return self._check_list(value, where)
        name = self.schema_for_object(value)
        if name is not None:
            return self.check_named(value, name, where if where != "$" else str(kind))
        allowed = self.newer_objects.get(str(kind))
        if allowed is not None:
            unknown = sorted(set(value) - allowed)
            return [f"{where}: unknown properties {unknown} for {kind}"] if unknown else []
        return [f"{where}: unknown object type {_show(kind)}"]

    def response_schema(self, method: str, template: str | None) -> Schema | None:
        if template is None:
            return None
        op = self.spec["paths"].get(template, {}).get(method.lower())
        if op is None:
            return None
        content = op.get("responses", {}).get("200", {}).get("content", {}).get("application/json", {})
        schema = content.get("schema")
        return schema if isinstance(schema, dict) else None

    def check_response(self, method: str, template: str | None, status: int, body: bytes) -> Problems:
        try:
            doc = json.loads(body)
        except ValueError:
            return [f"body is not JSON: {body[:80]!r}"]
        problems: Problems = []
        if status >= 500:
            problems.append(f"server error {status}: {_show(doc)}")
        if status >= 400:
            problems.extend(self.check_named(doc, "error", "error"))
            err = doc.get("error") if isinstance(doc, dict) else None
            if isinstance(err, dict):
                for key in ("type", "message"):
                    if not isinstance(err.get(key), str) or not err.get(key):
                        problems.append(f"error.{key}: missing or empty")
            return problems
        schema = self.response_schema(method, template)
        if schema is not None:
            problems.extend(self.check(doc, schema, template or "$"))
        else:
            problems.extend(self.check_object(doc))
        return problems

    # --- the walk ----------------------------------------------------------------------------

    def _resolve(self, schema: Schema, owner: str) -> tuple[Schema, str]:
        while "$ref" in schema:
            owner = schema["$ref"].rsplit("/", 1)[1]
            schema = self.schemas[owner]
        return schema, owner

    def _check(self, value: Any, schema: Schema, where: str, owner: str, prop: str, out: Problems) -> None:
        if value is None:
            if schema.get("nullable") or self._resolve(schema, owner)[0].get("nullable"):
                return
            if f"{owner}.{prop}" in self.newer_nullable:
                return
            out.append(f"{where}: null is not allowed")
            return
        ref_owner = owner
        inline = "$ref" not in schema
        schema, owner = self._resolve(schema, owner)
        if "anyOf" in schema:
            self._any_of(value, schema["anyOf"], where, owner, prop, out)
            return
        typ = schema.get("type")
        if typ is None and "properties" in schema:
            typ = "object"
        if isinstance(typ, str) and not _type_ok(value, typ):
            out.append(f"{where}: expected {typ}, got {_show(value)}")
            return
        enum = schema.get("enum")
        if enum is not None and value not in enum:
            extra = self.newer_enums.get(f"{ref_owner}.{prop}", frozenset())
            if value not in extra:
                out.append(f"{where}: {_show(value)} is not one of {enum}")
        if isinstance(value, str):
            self._string(value, schema, where, out)
        elif isinstance(value, list):
            items = schema.get("items")
            if isinstance(items, dict):
                for i, item in enumerate(value):
                    self._check(item, items, f"{where}[{i}]", ref_owner, prop, out)
        elif isinstance(value, dict):
            self._object(value, schema, where, f"{owner}.{prop}".strip(".") if inline else owner, out)

    def _string(self, value: str, schema: Schema, where: str, out: Problems) -> None:
        max_len = schema.get("maxLength")
        if isinstance(max_len, int) and len(value) > max_len:
            out.append(f"{where}: longer than {max_len} characters")
        pattern = schema.get("pattern")
        if isinstance(pattern, str):
            compiled = self._patterns.get(pattern)
            if compiled is None:
                compiled = self._patterns[pattern] = re.compile(pattern)
            if not compiled.match(value):
                out.append(f"{where}: {_show(value)} does not match {pattern!r}")

    def _object(self, value: dict[str, Any], schema: Schema, where: str, owner: str, out: Problems) -> None:
        props: dict[str, Schema] | None = schema.get("properties")
        extra = schema.get("additionalProperties")
        if not props:
            if isinstance(extra, dict):
                for key, sub in value.items():
                    self._check(sub, extra, f"{where}.{key}", owner, key, out)
            elif "object" in value and self.schema_for_object(value) is not None:
                out.extend(self.check_object(value, where))  # an event's data.object
            return
        newer = self.newer_fields.get(owner, frozenset())
        for key, sub in value.items():
            sub_schema = props.get(key)
            if sub_schema is not None:
                self._check(sub, sub_schema, f"{where}.{key}", owner, key, out)
            elif key in newer or extra is True:
                continue
            elif isinstance(extra, dict):
                self._check(sub, extra, f"{where}.{key}", owner, key, out)
            else:
                out.append(f"{where}.{key}: unknown property of {owner or 'object'}")
        for key in schema.get("required", ()):
            if key not in value:
                out.append(f"{where}.{key}: required property missing")

    def _any_of(self, value: Any, options: list[Schema], where: str, owner: str, prop: str, out: Problems) -> None:
        attempts: list[tuple[int, Problems]] = []
        for option in options:
            problems: Problems = []
            self._check(value, option, where, owner, prop, problems)
            if not problems:
                return
            attempts.append((self._affinity(value, option, owner), problems))
        best = max(attempts, key=lambda a: a[0])
        if best[0] > 0:
            out.extend(best[1])
        else:
            out.append(f"{where}: {_show(value)} matches none of the {len(options)} allowed shapes")

    def _affinity(self, value: Any, option: Schema, owner: str) -> int:
        """How plausibly ``value`` was meant to be ``option`` (to report the useful errors)."""
        schema, _ = self._resolve(option, owner)
        if isinstance(value, dict):
            enum = schema.get("properties", {}).get("object", {}).get("enum")
            if enum and value.get("object") in enum:
                return 3
            return 2 if "properties" in schema or schema.get("type") == "object" else 0
        typ = schema.get("type")
        return 1 if isinstance(typ, str) and _type_ok(value, typ) else 0

    def _check_list(self, value: dict[str, Any], where: str) -> Problems:
        problems: Problems = []
        for key, typ in (("data", "array"), ("has_more", "boolean"), ("url", "string")):
            if not _type_ok(value.get(key), typ):
                problems.append(f"{where}.{key}: expected {typ}, got {_show(value.get(key))}")
        unknown = sorted(set(value) - {"object", "data", "has_more", "url"})
        if unknown:
            problems.append(f"{where}: unknown list properties {unknown}")
        url = value.get("url")
        if isinstance(url, str) and not url.startswith("/v1/"):
            problems.append(f"{where}.url: {_show(url)} is not a /v1/ path")
        for i, item in enumerate(value.get("data") or []):
            problems.extend(self.check_object(item, f"{where}.data[{i}]"))
        return problems


# --- the hook on the test server ------------------------------------------------------------


class ConformanceRecorder:
    """An ``api.observers`` entry: validates every response and keeps the violations."""

    def __init__(self, validator: SchemaValidator, match: Callable[[str, str], Any]) -> None:
        self.validator = validator
        self._match = match
        self._lock = threading.Lock()
        self._violations: list[str] = []
        self.checked = 0

    def observe(self, method: str, path: str, status: int, body: bytes) -> None:
        try:
            found = self._match(method, path)
            template = None
            if found is not None:
                route = found[0]
                template = route.spec_template or route.template
            problems = self.validator.check_response(method, template, status, body)
        except Exception as exc:  # a validator bug must not break the server thread
            problems = [f"validator crashed: {type(exc).__name__}: {exc}"]
        with self._lock:
            self.checked += 1
            if problems:
                shown = problems[:12] + ([f"... and {len(problems) - 12} more"] if len(problems) > 12 else [])
                self._violations.append(f"{method} {path} -> {status}:\n    " + "\n    ".join(shown))

    def take(self) -> list[str]:
        with self._lock:
            out, self._violations = self._violations, []
        return out


def attach(server: Any) -> ConformanceRecorder:
    """Hook a recorder on an ``EmulatorServer`` (before it serves anything)."""
    recorder = ConformanceRecorder(SchemaValidator(), server.app.router.match)
    server.app.api.observers.append(recorder.observe)
    return recorder
