"""What Stripe added after API 2023-08-16, allowed explicitly by ``tests/support/schema.py`` (see its docstring):
newer properties (and renamed ones), enum values, nullable properties and whole objects."""

from __future__ import annotations

# --- what Stripe added after API 2023-08-16 (explicit allowance) ----------------------------

NEWER_FIELDS: dict[str, frozenset[str]] = {
    "account": frozenset({"groups"}),
    # in every answer and in docs.stripe.com/api/ephemeral_keys/object, not in the spec; Stripe's
    # mobile SDKs read it (the card an Issuing key is for)
    "ephemeral_key": frozenset({"associated_objects"}),
    # stripe-python 16 / stripe-node types and docs.stripe.com/api/test_clocks/object
    "test_helpers.test_clock": frozenset({"status_details"}),
    "payout": frozenset({"application_fee", "application_fee_amount", "payout_method", "trace_id"}),
    "account_bacs_debit_payments_settings": frozenset({"service_user_number"}),
    "account_business_profile": frozenset(
        {
            "annual_revenue",
            "estimated_worker_count",
            "minority_owned_business_designation",
            "specified_commercial_transactions_act_url",
        }
    ),
    "account_capabilities": frozenset(
        {
            "alma_payments",
            "amazon_pay_payments",
            "app_distribution",
            "billie_payments",
            "bizum_payments",
            "blik_recurring_payments",
            "crypto_payments",
            "gb_bank_transfer_payments",
            "jp_bank_transfer_payments",
            "kakao_pay_payments",
            "kr_card_payments",
            "mb_way_payments",
            "mobilepay_payments",
            "multibanco_payments",
            "mx_bank_transfer_payments",
            "naver_pay_payments",
            "nz_bank_account_becs_debit_payments",
            "pay_by_bank_payments",
            "payco_payments",
            "paypay_payments",
            "payto_payments",
            "pix_payments",
            "revolut_pay_payments",
            "samsung_pay_payments",
            "satispay_payments",
            "scalapay_payments",
            "sepa_bank_transfer_payments",
            "sequra_payments",
            "sunbit_payments",
            "swish_payments",
            "twint_payments",
            "upi_payments",
            "us_bank_transfer_payments",
            "wero_payments",
        }
    ),
    "account_settings": frozenset({"invoices", "paypay_payments"}),
    "account_unification_account_controller": frozenset(
        {
            "fees",
            "losses",
            "requirement_collection",
            "stripe_dashboard",
        }
    ),
    "balance_transaction": frozenset({"balance_type"}),
    "event": frozenset({"context"}),
    "inbound_transfers_payment_method_details_us_bank_account": frozenset({"mandate"}),
    "issuing.authorization": frozenset(
        {
            "card_presence",
            "fleet",
            "fraud_challenges",
            "fuel",
            "token",
            "verified_by_fraud_challenge",
        }
    ),
    "issuing.card": frozenset(
        {
            "latest_fraud_warning",
            "lifecycle_controls",
            "personalization_design",
            # pin.number, shown to Issuing Elements (an ephemeral key) only, as public integrations read it
            "pin",
            "second_line",
        }
    ),
    "issuing.dispute": frozenset({"loss_reason"}),
    # API versions from 2025-03-31 (fixtures-subset-latest.json): the amounts renamed (RENAMED_FIELDS), and status
    "issuing.settlement": frozenset(
        {"interchange_fees_amount", "net_total_amount", "network_fees_amount", "status", "transaction_amount"}
    ),
    "issuing.transaction": frozenset({"network_data", "token"}),
    "issuing_authorization_merchant_data": frozenset({"tax_id", "url"}),
    "issuing_authorization_network_data": frozenset({"system_trace_audit_number", "transaction_id"}),
    "issuing_authorization_pending_request": frozenset({"network_risk_score"}),
    "issuing_authorization_request": frozenset({"authorization_code", "network_risk_score", "requested_at"}),
    "issuing_authorization_verification_data": frozenset(
        {
            "authentication_exemption",
            "postal_code",
            "three_d_secure",
        }
    ),
    "issuing_card_authorization_controls": frozenset(
        {
            "allowed_card_presences",
            "allowed_merchant_countries",
            "blocked_card_presences",
            "blocked_merchant_countries",
        }
    ),
    "issuing_card_shipping": frozenset({"address_validation", "business_name", "delivered_at", "shipped_at"}),
    "issuing_cardholder_authorization_controls": frozenset(
        {
            "allowed_card_presences",
            "allowed_merchant_countries",
            "blocked_card_presences",
            "blocked_merchant_countries",
        }
    ),
    "issuing_dispute_evidence": frozenset({"no_valid_authorization"}),
    "issuing_transaction_fuel_data": frozenset({"industry_product_code", "quantity_decimal"}),
    "issuing_transaction_purchase_details": frozenset({"fleet"}),
    "legal_entity_company": frozenset(
        {
            "administrative_address",
            "directorship_declaration",
            "ownership_exemption_reason",
            "physical_address",
            "principal_place_of_business",
            "registration_date",
            "representative_declaration",
        }
    ),
    "outbound_payments_payment_method_details_us_bank_account": frozenset({"mandate"}),
    "outbound_transfers_payment_method_details": frozenset({"financial_account"}),
    "outbound_transfers_payment_method_details_us_bank_account": frozenset({"mandate"}),
    # destination_balance: on every live top-up (hackclub/hcb's TopupStripeJob reads it), in no spec or SDK
    # type (docs/balances.md); initiated_by: in the 2026 types
    "topup": frozenset({"destination_balance", "initiated_by"}),
    "transfer_schedule": frozenset({"monthly_payout_days", "weekly_payout_days"}),
    "treasury.financial_account": frozenset({"is_default", "nickname"}),
    "treasury.outbound_payment": frozenset({"tracking_details"}),
    "treasury.outbound_transfer": frozenset({"tracking_details"}),
    "treasury_received_credits_resource_source_flows_details": frozenset({"outbound_transfer"}),
    "treasury_received_debits_resource_linked_flows": frozenset({"payout", "topup"}),
    # API 2026-10-28 account sessions list every embedded component, each with its features
    "connect_embedded_account_session_create_components": frozenset(
        {
            "account_management",
            "balance_report",
            "balances",
            "disputes_list",
            "documents",
            "financial_account",
            "financial_account_transactions",
            "instant_payouts_promotion",
            "issuing_card",
            "issuing_cards_list",
            "notification_banner",
            "payment_details",
            "payment_disputes",
            "payment_method_settings",
            "payments",
            "payout_details",
            "payout_reconciliation_report",
            "payouts",
            "payouts_list",
            "reporting_chart",
            "tax_registrations",
            "tax_settings",
            "terminal_hardware_orders",
            "terminal_hardware_shop",
            # preview components, shown under a preview Stripe-Version only (emulator/resources/connect/links.py)
            "capital_financing",
            "capital_financing_application",
            "capital_financing_promotion",
            "export_tax_transactions",
            "tax_threshold_monitoring",
        }
    ),
    "connect_embedded_base_config": frozenset({"features"}),
    "person": frozenset({"additional_tos_acceptances", "us_cfpb_data"}),
    "person_relationship": frozenset({"authorizer", "legal_guardian"}),
}

# "<schema>" -> {2023 name: newer name}: required properties that newer API versions show under another name
# (either name satisfies ``required``)
RENAMED_FIELDS: dict[str, dict[str, str]] = {
    "issuing.settlement": {
        "interchange_fees": "interchange_fees_amount",
        "net_total": "net_total_amount",
        "network_fees": "network_fees_amount",
        "transaction_volume": "transaction_amount",
    },
}

NEWER_ENUMS: dict[str, frozenset[str]] = {
    "account.type": frozenset({"none"}),
    # stripe-python 16.1 File.purpose, and issuing_logo (the purpose a personalization design's card_logo needs)
    "file.purpose": frozenset(
        {
            "financial_account_statement",
            "issuing_logo",
            "issuing_regulatory_reporting",
            "platform_terms_of_service",
            "terminal_android_apk",
            "terminal_wifi_certificate",
            "terminal_wifi_private_key",
        }
    ),
    "account_requirements_error.code": frozenset(
        {
            "external_request",
            "information_missing",
            "invalid_address_cmra_address",
            "invalid_address_highway_contract_box",
            "invalid_address_private_mailbox",
            "invalid_address_registered_agent_address",
            "invalid_business_profile_name",
            "invalid_business_profile_name_denylisted",
            "invalid_company_name_denylisted",
            "invalid_dob_age_over_maximum",
            "invalid_dob_age_under_minimum",
            "invalid_product_description_length",
            "invalid_product_description_url_match",
            "invalid_signator",
            "invalid_statement_descriptor_business_mismatch",
            "invalid_statement_descriptor_denylisted",
            "invalid_statement_descriptor_length",
            "invalid_statement_descriptor_prefix_denylisted",
            "invalid_statement_descriptor_prefix_mismatch",
            "invalid_tax_id",
            "invalid_tax_id_format",
            "invalid_url_denylisted",
            "invalid_url_format",
            "invalid_url_length",
            "invalid_url_web_presence_detected",
            "invalid_url_website_business_information_mismatch",
            "invalid_url_website_empty",
            "invalid_url_website_inaccessible",
            "invalid_url_website_inaccessible_geoblocked",
            "invalid_url_website_inaccessible_password_protected",
            "invalid_url_website_incomplete",
            "invalid_url_website_incomplete_cancellation_policy",
            "invalid_url_website_incomplete_customer_service_details",
            "invalid_url_website_incomplete_legal_restrictions",
            "invalid_url_website_incomplete_refund_policy",
            "invalid_url_website_incomplete_return_policy",
            "invalid_url_website_incomplete_terms_and_conditions",
            "invalid_url_website_incomplete_under_construction",
            "invalid_url_website_other",
            "unsupported_business_type",
            "verification_failed_authorizer_authority",
            "verification_failed_representative_authority",
            "verification_legal_entity_structure_mismatch",
            "verification_rejected_ownership_exemption_reason",
            "verification_requires_additional_proof_of_registration",
            "verification_supportability",
        }
    ),
    "balance_transaction.type": frozenset(
        {
            "climate_order_purchase",
            "climate_order_refund",
            "fee_credit_funding",
            "inbound_transfer",
            "inbound_transfer_reversal",
            "issuing_dispute_provisional_credit",
            "issuing_dispute_provisional_credit_reversal",
            "payment_network_reserve_hold",
            "payment_network_reserve_release",
            "payment_unreconciled",
            "payout_minimum_balance_hold",
            "payout_minimum_balance_release",
            "reserve_hold",
            "reserve_release",
            "stripe_balance_payment_debit",
            "stripe_balance_payment_debit_reversal",
            "tax_fund",
        }
    ),
    "issuing.authorization.status": frozenset({"expired"}),
    "issuing.card.cancellation_reason": frozenset({"fulfillment_error"}),
    "issuing.card.replacement_reason": frozenset({"fulfillment_error"}),
    "issuing_authorization_request.reason": frozenset(
        {
            "card_canceled",
            "card_expired",
            "cardholder_blocked",
            "insecure_authorization_method",
            "network_fallback",
            "pin_blocked",
            "stripe_internal_error",
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
    # GET/POST /v1/balance_settings (stripe-python 16 BalanceSettings, docs.stripe.com/api/balance-settings/object)
    "balance_settings": frozenset({"object", "payments"}),
    # what stripe.createEphemeralKeyNonce receives (POST /v1/ephemeral_key_nonces); not in any spec or SDK
    "ephemeral_key_nonce": frozenset({"object", "private_nonce", "public_nonce"}),
    # Issuing funding instructions (docs.stripe.com/api/issuing/funding_instructions/object)
    "funding_instructions": frozenset({"bank_transfer", "currency", "funding_type", "livemode", "object"}),
    "issuing.token": frozenset(
        {
            "card",
            "created",
            "device_fingerprint",
            "id",
            "last4",
            "livemode",
            "network",
            "network_data",
            "network_updated_at",
            "object",
            "status",
            "wallet_provider",
        }
    ),
    "issuing.personalization_design": frozenset(
        {
            "card_logo",
            "carrier_text",
            "created",
            "id",
            "livemode",
            "lookup_key",
            "metadata",
            "name",
            "object",
            "physical_bundle",
            "preferences",
            "rejection_reasons",
            "status",
        }
    ),
    "issuing.physical_bundle": frozenset({"features", "id", "livemode", "name", "object", "status", "type"}),
}
