// A US platform's money with the official stripe-node SDK, run by tests/connect/test_us_platform_flow.py:
//   node us_platform_flow.mjs <base url> <secret key>
// Platform top-up -> transfer to a connected account -> the connected account funds its Issuing
// balance -> its card spends -> it pays out the rest of its payments balance. Prints one JSON line per
// step ({"step": ..., "ok": true}); exits non-zero on any failed assertion.
import assert from 'node:assert/strict';
import Stripe from 'stripe';

import {CARDHOLDER, CONTROLLER, emulatorConfig, report as line} from './emulator.mjs';

const [baseUrl, apiKey] = process.argv.slice(2);
const stripe = new Stripe(apiKey, emulatorConfig(baseUrl));

function report(step) {
  line(step, {ok: true});
}

async function shown(stripeAccount) {
  const balance = await stripe.balance.retrieve({}, stripeAccount ? {stripeAccount} : {});
  const sum = (list) => (list || []).filter((a) => a.currency === 'usd').reduce((n, a) => n + a.amount, 0);
  return {available: sum(balance.available), issuing: sum(balance.issuing && balance.issuing.available)};
}

async function summed(stripeAccount) {
  const out = {available: 0, issuing: 0};
  for await (const txn of stripe.balanceTransactions.list({limit: 100}, stripeAccount ? {stripeAccount} : {})) {
    out[txn.balance_type === 'issuing' ? 'issuing' : 'available'] += txn.net;
  }
  return out;
}

const account = await stripe.accounts.create({
  country: 'US',
  email: 'jenny.rosen@example.com',
  controller: CONTROLLER,
  capabilities: {card_issuing: {requested: true}, transfers: {requested: true}},
});
const opts = {stripeAccount: account.id};
report('connected account');

await stripe.topups.create({amount: 50000, currency: 'usd', description: 'platform funding'});
const transfer = await stripe.transfers.create({amount: 30000, currency: 'usd', destination: account.id});
assert.match(transfer.destination_payment, /^py_/);
report('platform funded and transferred');

await stripe.topups.create({amount: 10000, currency: 'usd', destination_balance: 'issuing'}, opts);
assert.deepEqual(await shown(account.id), {available: 30000, issuing: 10000});
report('issuing balance funded');

const holder = await stripe.issuing.cardholders.create(CARDHOLDER, opts);
const card = await stripe.issuing.cards.create(
  {cardholder: holder.id, currency: 'usd', type: 'virtual', status: 'active'},
  opts,
);
const auth = await stripe.testHelpers.issuing.authorizations.create({card: card.id, amount: 4000}, opts);
assert.equal(auth.approved, true);
await stripe.testHelpers.issuing.authorizations.capture(auth.id, {}, opts);
const declined = await stripe.testHelpers.issuing.authorizations.create({card: card.id, amount: 6001}, opts);
assert.equal(declined.approved, false);
report('card spent');

const bank = await stripe.accounts.createExternalAccount(account.id, {external_account: 'btok_us_verified'});
assert.equal(bank.object, 'bank_account');
const payout = await stripe.payouts.create({amount: 30000, currency: 'usd'}, opts);
assert.equal((await stripe.payouts.retrieve(payout.id, {}, opts)).status, 'paid');
report('rest paid out');

assert.deepEqual(await shown(account.id), {available: 0, issuing: 6000});
assert.deepEqual(await summed(account.id), {available: 0, issuing: 6000});
assert.deepEqual(await shown(null), {available: 20000, issuing: 0});
assert.deepEqual(await summed(null), {available: 20000, issuing: 0});
report('balances add up');
