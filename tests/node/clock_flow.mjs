// A platform's clock with stripe-node, run by tests/control_plane/test_clock.py:
//   node clock_flow.mjs <base url> <secret key>
// A pending authorization, then POST /_emulator/clock advance=8 days: the SDK then reads it
// expired, with the issuing_authorization.updated event stamped 7 days after the purchase.
// Prints one JSON line per step ({"step": ..., "ok": true}); exits non-zero on any failed assertion.
import assert from 'node:assert/strict';
import Stripe from 'stripe';

import {CARDHOLDER, CONTROLLER, emulatorConfig, report} from './emulator.mjs';

const [baseUrl, apiKey] = process.argv.slice(2);
const stripe = new Stripe(apiKey, emulatorConfig(baseUrl));
const DAY = 24 * 3600;

async function clock(body) {
  const response = await fetch(`${baseUrl}/_emulator/clock`, {
    method: body ? 'POST' : 'GET',
    headers: {Authorization: `Bearer ${apiKey}`, 'Content-Type': 'application/json'},
    body: body ? JSON.stringify(body) : undefined,
  });
  return {status: response.status, body: await response.json()};
}

async function main() {
  const account = await stripe.accounts.create({
    country: 'US',
    controller: CONTROLLER,
    capabilities: {card_issuing: {requested: true}, transfers: {requested: true}},
  });
  const opts = {stripeAccount: account.id};
  const holder = await stripe.issuing.cardholders.create({...CARDHOLDER, status: 'active'}, opts);
  const card = await stripe.issuing.cards.create({cardholder: holder.id, currency: 'usd', type: 'virtual', status: 'active'}, opts);
  // the card spends the account's Issuing balance: fund it first
  await stripe.topups.create({amount: 10000, currency: 'usd', destination_balance: 'issuing'}, opts);
  const auth = await stripe.testHelpers.issuing.authorizations.create({card: card.id, amount: 700}, opts);
  assert.equal(auth.status, 'pending');
  report('pending', {ok: true});

  const before = await clock();
  assert.equal(before.status, 200);
  assert.equal(before.body.offset, 0);
  const moved = await clock({advance: 8 * DAY});
  assert.equal(moved.status, 200, JSON.stringify(moved.body));
  assert.ok(moved.body.now >= before.body.now + 8 * DAY);
  const refused = await clock({to: before.body.now});
  assert.equal(refused.status, 400);
  assert.equal(refused.body.error.type, 'invalid_request_error');
  assert.equal(refused.body.error.param, 'to');
  report('clock', {ok: true});

  const expired = await stripe.issuing.authorizations.retrieve(auth.id, {}, opts);
  assert.equal(expired.status, 'expired');
  const events = await stripe.events.list({type: 'issuing_authorization.updated'}, opts);
  const event = events.data.find((e) => e.data.object.id === auth.id);
  assert.ok(event, 'an issuing_authorization.updated event for the expiry');
  assert.equal(event.created, auth.created + 7 * DAY);
  assert.equal(event.data.previous_attributes.status, 'pending');
  report('expired', {ok: true});
  report('done');
}

main().catch((err) => {
  process.stderr.write(`${err && err.stack ? err.stack : err}\n`);
  process.exit(1);
});
