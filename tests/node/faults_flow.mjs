// Lost answers with stripe-node's retries, run by tests/control_plane/test_faults.py:
//   node faults_flow.mjs <base url> <secret key> <connected account> <card>
// For each of when=after and when=drop, on POST /v1/issuing/cardholders and on
// POST /v1/test_helpers/issuing/authorizations: a fault rule for the next request, then one SDK
// call with maxNetworkRetries 2, which must return normally and leave exactly one new object.
// Prints one JSON line per step ({"step": ..., "ok": true}); exits non-zero on any failed assertion.
import assert from 'node:assert/strict';
import Stripe from 'stripe';

import {emulatorConfig} from './emulator.mjs';

const [baseUrl, apiKey, account, card] = process.argv.slice(2);
const stripe = new Stripe(apiKey, emulatorConfig(baseUrl, {maxNetworkRetries: 2}));
const opts = {stripeAccount: account};

async function fault(rule) {
  const res = await fetch(`${baseUrl}/_emulator/faults`, {
    method: 'POST',
    headers: {'Authorization': `Bearer ${apiKey}`, 'Content-Type': 'application/json'},
    body: JSON.stringify(rule),
  });
  const text = await res.text();
  assert.equal(res.status, 200, text);
  return JSON.parse(text);
}

async function remaining(id) {
  const res = await fetch(`${baseUrl}/_emulator/faults/${id}`, {headers: {'Authorization': `Bearer ${apiKey}`}});
  return (await res.json()).remaining;
}

async function count(list) {
  let n = 0;
  for await (const _ of list) n += 1;
  return n;
}

const cardholderParams = {
  name: 'Jenny Rosen', type: 'individual', email: 'jenny@example.com',
  billing: {address: {line1: '1 Main St', city: 'San Francisco', state: 'CA', postal_code: '94111', country: 'US'}},
};

for (const when of ['after', 'drop']) {
  const rule = await fault({method: 'POST', path: '/v1/issuing/cardholders', when, ...(when === 'after' ? {status: 500} : {})});
  const before = await count(stripe.issuing.cardholders.list({limit: 100}, opts));
  const holder = await stripe.issuing.cardholders.create(cardholderParams, opts);
  assert.match(holder.id, /^ich_/);
  assert.equal(await remaining(rule.id), 0, 'the fault fired');
  assert.equal(await count(stripe.issuing.cardholders.list({limit: 100}, opts)), before + 1);
  process.stdout.write(JSON.stringify({step: `cardholder_${when}`, ok: true}) + '\n');

  const authRule = await fault({method: 'POST', path: '/v1/test_helpers/issuing/authorizations', when, ...(when === 'after' ? {status: 502} : {})});
  const authsBefore = await count(stripe.issuing.authorizations.list({card, limit: 100}, opts));
  const auth = await stripe.testHelpers.issuing.authorizations.create({card, amount: 1000}, opts);
  assert.match(auth.id, /^iauth_/);
  assert.equal(await remaining(authRule.id), 0, 'the fault fired');
  assert.equal(await count(stripe.issuing.authorizations.list({card, limit: 100}, opts)), authsBefore + 1);
  process.stdout.write(JSON.stringify({step: `authorization_${when}`, ok: true}) + '\n');
}
process.stdout.write(JSON.stringify({step: 'done', ok: true}) + '\n');
