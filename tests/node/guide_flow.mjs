// The "Issuing on Treasury" guide flow with the official stripe-node SDK (pinned in package.json),
// run by tests/conformance/test_node_sdk.py against the emulator:
//   node guide_flow.mjs <base url> <secret key>
// Prints one JSON line per step: {"step": ..., "ok": true} or {"step": ..., "skipped": "<reason>"}
// when the endpoint is not served yet (everything after it is skipped too); exits non-zero on
// any failed assertion. Node encodes differently from Python: spaces as %20, literal brackets in
// query strings, `null` sent as an empty value (= unset).
import assert from 'node:assert/strict';
import Stripe from 'stripe';

import {CARDHOLDER, CONTROLLER, emulatorConfig, report} from './emulator.mjs';

const [baseUrl, apiKey] = process.argv.slice(2);
const stripe = new Stripe(apiKey, emulatorConfig(baseUrl));

class Unserved extends Error {}

async function call(step, fn) {
  try {
    const out = await fn();
    report(step, {ok: true});
    return out;
  } catch (err) {
    if (err && err.statusCode === 404 && String(err.message).startsWith('Unrecognized request URL')) {
      throw new Unserved(`${step}: ${err.message}`);
    }
    throw err;
  }
}

async function balance(fa, stripeAccount) {
  const got = await stripe.treasury.financialAccounts.retrieve(fa, {}, {stripeAccount});
  return {cash: got.balance.cash.usd, outbound_pending: got.balance.outbound_pending.usd};
}

async function guide() {
  const account = await call('account', () =>
    stripe.accounts.create({
      country: 'US',
      email: 'jenny.rosen@example.com',
      controller: CONTROLLER,
      capabilities: {
        card_issuing: {requested: true},
        transfers: {requested: true},
        treasury: {requested: true},
      },
    }),
  );
  assert.equal(account.object, 'account');
  assert.equal(account.capabilities.card_issuing, 'active');
  assert.equal(account.capabilities.treasury, 'active');
  const opts = {stripeAccount: account.id};

  const fa = await call('financial_account', () =>
    stripe.treasury.financialAccounts.create(
      {
        supported_currencies: ['usd'],
        features: {
          card_issuing: {requested: true},
          deposit_insurance: {requested: true},
          financial_addresses: {aba: {requested: true}},
          inbound_transfers: {ach: {requested: true}},
          intra_stripe_flows: {requested: true},
          outbound_payments: {ach: {requested: true}, us_domestic_wire: {requested: true}},
          outbound_transfers: {ach: {requested: true}, us_domestic_wire: {requested: true}},
        },
        metadata: {purpose: 'card spend'},
      },
      opts,
    ),
  );
  assert.equal(fa.object, 'treasury.financial_account');
  assert.equal(fa.metadata.purpose, 'card spend');

  // null is sent as `metadata[purpose]=` and unsets the key
  const updated = await call('metadata_null_unsets', () =>
    stripe.treasury.financialAccounts.update(fa.id, {metadata: {purpose: null, team: 'ops desk'}}, opts),
  );
  assert.deepEqual(updated.metadata, {team: 'ops desk'});

  await call('fund', () =>
    stripe.testHelpers.treasury.receivedCredits.create(
      {amount: 50000, currency: 'usd', financial_account: fa.id, network: 'ach'},
      opts,
    ),
  );
  assert.deepEqual(await balance(fa.id, account.id), {cash: 50000, outbound_pending: 0});

  const cardholder = await call('cardholder', () =>
    stripe.issuing.cardholders.create({...CARDHOLDER, status: 'active'}, opts),
  );
  assert.equal(cardholder.name, 'Jenny Rosen'); // sent as Jenny%20Rosen
  assert.equal(cardholder.billing.address.line1, '1234 Main Street');
  assert.equal(cardholder.phone_number, '+18888675309');

  const card = await call('card', () =>
    stripe.issuing.cards.create(
      {
        cardholder: cardholder.id,
        currency: 'usd',
        type: 'virtual',
        status: 'active',
        financial_account: fa.id,
        spending_controls: {spending_limits: [{amount: 5000, interval: 'daily'}]},
      },
      opts,
    ),
  );
  assert.equal(card.status, 'active');
  assert.equal(card.spending_controls.spending_limits[0].amount, 5000);
  assert.equal(card.number, undefined);

  const full = await call('card_number', () => stripe.issuing.cards.retrieve(card.id, {expand: ['number', 'cvc']}, opts));
  assert.match(full.number, /^\d{16}$/);
  assert.match(full.cvc, /^\d{3}$/);

  // literal brackets in the query string: expand[0]=data.cardholder
  const cards = await call('list_expand', () =>
    stripe.issuing.cards.list({limit: 3, expand: ['data.cardholder']}, opts),
  );
  assert.equal(cards.data[0].id, card.id);
  assert.equal(cards.data[0].cardholder.object, 'issuing.cardholder');

  const auth = await call('authorization', () =>
    stripe.testHelpers.issuing.authorizations.create({card: card.id, amount: 1000, currency: 'usd'}, opts),
  );
  assert.equal(auth.approved, true);
  assert.equal(auth.status, 'pending');
  assert.deepEqual(await balance(fa.id, account.id), {cash: 49000, outbound_pending: 1000});

  const captured = await call('capture', () => stripe.testHelpers.issuing.authorizations.capture(auth.id, {}, opts));
  assert.equal(captured.status, 'closed');
  assert.equal(captured.transactions.length, 1);
  const txn = captured.transactions[0];
  assert.equal(txn.type, 'capture');
  assert.equal(txn.amount, -1000);
  assert.deepEqual(await balance(fa.id, account.id), {cash: 49000, outbound_pending: 0});

  const refunded = await call('refund', () =>
    stripe.testHelpers.issuing.transactions.refund(txn.id, {refund_amount: 300}, opts),
  );
  assert.equal(refunded.id, txn.id);
  const listed = await stripe.issuing.transactions.list({card: card.id}, opts);
  const refund = listed.data.find((t) => t.type === 'refund');
  assert.equal(refund.amount, 300);
  assert.deepEqual(await balance(fa.id, account.id), {cash: 49300, outbound_pending: 0});

  const auth2 = await stripe.testHelpers.issuing.authorizations.create({card: card.id, amount: 2500, currency: 'usd'}, opts);
  const captured2 = await stripe.testHelpers.issuing.authorizations.capture(auth2.id, {}, opts);
  const dispute = await call('dispute', () =>
    stripe.issuing.disputes.create(
      {
        transaction: captured2.transactions[0].id,
        evidence: {reason: 'fraudulent', fraudulent: {explanation: 'I did not make this purchase'}},
      },
      opts,
    ),
  );
  assert.equal(dispute.status, 'unsubmitted');
  assert.equal(dispute.amount, 2500);
  const submitted = await call('dispute_submit', () => stripe.issuing.disputes.submit(dispute.id, {}, opts));
  assert.equal(submitted.status, 'submitted');
  // a won dispute gives the money back through a debit reversal (test mode decides at once)
  const settled = await stripe.issuing.disputes.retrieve(dispute.id, {}, opts);
  const cash = settled.status === 'won' ? 49300 : 46800;
  assert.deepEqual(await balance(fa.id, account.id), {cash, outbound_pending: 0});

  // errors reach Node as its typed errors
  await assert.rejects(
    () => stripe.issuing.cards.retrieve('ic_does_not_exist', {}, opts),
    (err) => err.type === 'StripeInvalidRequestError' && err.statusCode === 404 && err.code === 'resource_missing',
  );
  report('errors', {ok: true});

  // auto-pagination follows has_more with starting_after
  const ids = [];
  for await (const t of stripe.issuing.transactions.list({limit: 1}, opts)) ids.push(t.id);
  assert.equal(new Set(ids).size, ids.length);
  assert.ok(ids.length >= 3);
  report('auto_pagination', {ok: true});
}

try {
  await guide();
  report('done', {ok: true});
} catch (err) {
  if (err instanceof Unserved) {
    report('unserved', {skipped: err.message});
  } else {
    process.stderr.write(`${err && err.stack ? err.stack : err}\n`);
    if (err && err.raw) process.stderr.write(`${JSON.stringify(err.raw)}\n`);
    process.exit(1);
  }
}
