// What a stripe-node integration relies on besides the guide's objects, run by tests/conformance/test_node_sdk.py:
//   node wire_flow.mjs <base url> <secret key>
// Typed errors (class, statusCode, code, param, requestId), idempotent retries (same object, the
// Idempotent-Replayed header, StripeIdempotencyError on a changed body), and a webhook the emulator
// delivers to a local receiver, verified with stripe.webhooks.constructEvent.
// Prints one JSON line per step ({"step": ..., "ok": true}); exits non-zero on any failed assertion.
import assert from 'node:assert/strict';
import http from 'node:http';
import Stripe from 'stripe';

import {ADDRESS, emulatorConfig, report} from './emulator.mjs';

const [baseUrl, apiKey] = process.argv.slice(2);
const config = emulatorConfig(baseUrl);
const stripe = new Stripe(apiKey, config);

async function rejects(step, fn, check) {
  try {
    await fn();
  } catch (err) {
    assert.ok(check(err), `${step}: unexpected ${err && err.type} ${err && err.statusCode} ${JSON.stringify(err && err.raw)}`);
    assert.match(String(err.requestId), /^req_/, step);
    return err;
  }
  assert.fail(`${step}: the call succeeded`);
}

async function errors() {
  await rejects('missing', () => stripe.issuing.cards.create({currency: 'usd', type: 'virtual'}), (err) =>
    err instanceof Stripe.errors.StripeInvalidRequestError && err.statusCode === 400 &&
    err.code === 'parameter_missing' && err.param === 'cardholder');
  await rejects('unknown', () => stripe.issuing.cardholders.list({colour: 'red'}), (err) =>
    err.type === 'StripeInvalidRequestError' && err.code === 'parameter_unknown' && err.param === 'colour');
  await rejects('no_such', () => stripe.treasury.financialAccounts.retrieve('fa_nope'), (err) =>
    err.statusCode === 404 && err.code === 'resource_missing' && err.param === 'financial_account');
  const anonymous = new Stripe('sk_live_not_a_key', config);
  await rejects('auth', () => anonymous.issuing.cards.list(), (err) =>
    err instanceof Stripe.errors.StripeAuthenticationError && err.statusCode === 401);
  report('typed_errors', {ok: true});
}

async function idempotency() {
  const key = `node-${Date.now()}-${Math.random()}`;
  const params = {name: 'Jenny Rosen', type: 'individual', billing: {address: ADDRESS}};
  const first = await stripe.issuing.cardholders.create(params, {idempotencyKey: key});
  const again = await stripe.issuing.cardholders.create(params, {idempotencyKey: key});
  assert.equal(again.id, first.id);
  assert.equal(again.lastResponse.headers['idempotent-replayed'], 'true');
  assert.equal(first.lastResponse.headers['idempotent-replayed'], undefined);
  await rejects('idempotency_mismatch', () =>
    stripe.issuing.cardholders.create({...params, name: 'Someone Else'}, {idempotencyKey: key}), (err) =>
    err instanceof Stripe.errors.StripeIdempotencyError && err.statusCode === 400);
  report('idempotency', {ok: true});
}

async function webhooks() {
  const received = [];
  let arrived;
  const first = new Promise((resolve) => { arrived = resolve; });
  const server = http.createServer((req, res) => {
    const chunks = [];
    req.on('data', (c) => chunks.push(c));
    req.on('end', () => {
      received.push({body: Buffer.concat(chunks).toString('utf8'), signature: req.headers['stripe-signature']});
      res.writeHead(200, {'Content-Type': 'application/json'});
      res.end('{"received": true}');
      arrived();
    });
  });
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  try {
    const endpoint = await stripe.webhookEndpoints.create({
      url: `http://127.0.0.1:${server.address().port}/hook`, enabled_events: ['treasury.financial_account.created'],
    });
    assert.match(endpoint.secret, /^whsec_/);
    const fa = await stripe.treasury.financialAccounts.create({
      supported_currencies: ['usd'], features: {card_issuing: {requested: true}},
    });
    await Promise.race([first, new Promise((_, reject) => setTimeout(() => reject(new Error('no webhook')), 10000))]);
    const {body, signature} = received[0];
    const event = stripe.webhooks.constructEvent(body, signature, endpoint.secret);
    assert.equal(event.type, 'treasury.financial_account.created');
    assert.equal(event.data.object.id, fa.id);
    assert.throws(() => stripe.webhooks.constructEvent(body, signature, 'whsec_wrong'),
      (err) => err instanceof Stripe.errors.StripeSignatureVerificationError);
    assert.throws(() => stripe.webhooks.constructEvent(body.replace(fa.id, 'fa_forged'), signature, endpoint.secret),
      (err) => err instanceof Stripe.errors.StripeSignatureVerificationError);
    await stripe.webhookEndpoints.del(endpoint.id);
  } finally {
    server.close();
  }
  report('webhook_signature', {ok: true});
}

try {
  await errors();
  await idempotency();
  await webhooks();
  report('done', {ok: true});
} catch (err) {
  process.stderr.write(`${err && err.stack ? err.stack : err}\n`);
  if (err && err.raw) process.stderr.write(`${JSON.stringify(err.raw)}\n`);
  process.exit(1);
}
