// A UK expense-management program on the Issuing balance with stripe-node, run by tests/issuing/test_node_balance.py:
//   node uk_program.mjs <base url> <secret key>
// Cardholder + gbp card without a financial account -> Issuing funding instructions -> fund_balance
// (test helper) -> balance.issuing.available -> purchase -> capture -> the balance transactions add up.
// Funding instructions and fund_balance are not in the SDK's typed surface: stripe.rawRequest calls them.
// Prints one JSON line per step ({"step": ...}); exits non-zero on any failed assertion.
import assert from 'node:assert/strict';
import Stripe from 'stripe';

import {emulatorConfig, report} from './emulator.mjs';

const [baseUrl, apiKey] = process.argv.slice(2);
const stripe = new Stripe(apiKey, emulatorConfig(baseUrl));

async function issuingAvailable() {
  const balance = await stripe.balance.retrieve();
  const gbp = balance.issuing.available.find((a) => a.currency === 'gbp');
  return gbp ? gbp.amount : 0;
}

async function main() {
  const holder = await stripe.issuing.cardholders.create({
    name: 'Amelia Jones', type: 'individual', individual: {first_name: 'Amelia', last_name: 'Jones'}, email: 'amelia@example.co.uk', phone_number: '+442071234567',
    billing: {address: {line1: '1 Finsbury Square', city: 'London', postal_code: 'EC2A 1AE', country: 'GB'}},
  });
  const card = await stripe.issuing.cards.create({cardholder: holder.id, currency: 'gbp', type: 'virtual', status: 'active'});
  assert.equal(card.financial_account ?? null, null);
  report('card', {card: card.id});

  const declined = await stripe.testHelpers.issuing.authorizations.create({card: card.id, amount: 500});
  assert.equal(declined.approved, false);
  assert.equal(declined.request_history[0].reason, 'insufficient_funds');
  report('unfunded_decline');

  const instructions = await stripe.rawRequest('POST', '/v1/issuing/funding_instructions', {
    currency: 'gbp', funding_type: 'bank_transfer', bank_transfer: {type: 'gb_bank_transfer'},
  });
  assert.equal(instructions.object, 'funding_instructions');
  const address = instructions.bank_transfer.financial_addresses[0];
  assert.equal(address.type, 'sort_code');
  report('funding_instructions', {sort_code: address.sort_code.sort_code});

  const funded = await stripe.rawRequest('POST', '/v1/test_helpers/issuing/fund_balance', {amount: 25000, currency: 'gbp'});
  assert.deepEqual(funded.bank_transfer, instructions.bank_transfer);
  assert.equal(await issuingAvailable(), 25000);
  report('fund_balance');

  const auth = await stripe.testHelpers.issuing.authorizations.create({
    card: card.id, amount: 4200, merchant_data: {category: 'eating_places_restaurants', name: 'Dishoom'},
  });
  assert.equal(auth.approved, true);
  assert.deepEqual(auth.balance_transactions.map((t) => [t.type, t.amount]), [['issuing_authorization_hold', -4200]]);
  assert.equal(await issuingAvailable(), 20800);
  report('purchase');

  const captured = await stripe.testHelpers.issuing.authorizations.capture(auth.id, {capture_amount: 4500});
  assert.equal(captured.status, 'closed');
  const tx = await stripe.issuing.transactions.retrieve(captured.transactions[0].id, {expand: ['balance_transaction']});
  assert.equal(tx.balance_transaction.type, 'issuing_transaction');
  assert.equal(tx.balance_transaction.amount, -4500);
  assert.equal(await issuingAvailable(), 20500);
  report('capture');

  const txns = [];
  for await (const t of stripe.balanceTransactions.list({limit: 2})) txns.push(t);
  assert.deepEqual(txns.map((t) => t.type).reverse(),
    ['topup', 'issuing_authorization_hold', 'issuing_authorization_release', 'issuing_transaction']);
  assert.equal(txns.reduce((sum, t) => sum + t.net, 0), await issuingAvailable());
  report('balance_transactions', {count: txns.length});
  report('done');
}

main().catch((err) => {
  process.stderr.write(String(err && err.stack ? err.stack : err) + '\n');
  process.exit(1);
});
