// Files and card reveal with stripe-node, run by tests/issuing/test_card_reveal.py:
//   node reveal_flow.mjs <base url> <secret key>
// `host`/`port`/`protocol` send every base address (api and files) to the emulator. Uploads a
// dispute evidence file (stripe.files.create, multipart), creates an ephemeral key for a virtual card
// with an explicit apiVersion (stripe.ephemeralKeys.create) and reads the card's number with the key's
// secret the way Stripe.js does. One JSON line per step; exits non-zero on any failed assertion.
import assert from 'node:assert/strict';
import Stripe from 'stripe';

import {CARDHOLDER, CONTROLLER, emulatorConfig, report} from './emulator.mjs';

const [baseUrl, apiKey] = process.argv.slice(2);
const config = emulatorConfig(baseUrl);
const stripe = new Stripe(apiKey, config);
const PDF = Buffer.from('%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n');

const file = await stripe.files.create({
  purpose: 'dispute_evidence',
  file: {data: PDF, name: 'receipt.pdf', type: 'application/octet-stream'},
});
assert.equal(file.object, 'file');
assert.equal(file.purpose, 'dispute_evidence');
assert.equal(file.type, 'pdf');
assert.equal(file.size, PDF.length);
assert.equal((await stripe.files.retrieve(file.id)).filename, 'receipt.pdf');
assert.deepEqual((await stripe.files.list({purpose: 'dispute_evidence'})).data.map((f) => f.id), [file.id]);
report('file_upload', {id: file.id});

const account = await stripe.accounts.create({
  country: 'US',
  controller: CONTROLLER,
  capabilities: {card_issuing: {requested: true}, transfers: {requested: true}},
});
const opts = {stripeAccount: account.id};
const cardholder = await stripe.issuing.cardholders.create(CARDHOLDER, opts);
const card = await stripe.issuing.cards.create({cardholder: cardholder.id, currency: 'usd', type: 'virtual'}, opts);
const key = await stripe.ephemeralKeys.create(
  {issuing_card: card.id, nonce: 'ephkn_pub_from_a_stripe_js_double'},
  {apiVersion: '2020-03-02', stripeAccount: account.id},
);
assert.match(key.secret, /^ek_test_/);
report('ephemeral_key', {id: key.id});

const revealed = await fetch(`${baseUrl}/v1/issuing/cards/${card.id}?expand[0]=number&expand[1]=cvc`, {
  headers: {Authorization: `Bearer ${key.secret}`, 'Stripe-Version': '2020-03-02'},
});
assert.equal(revealed.status, 200);
const shown = await revealed.json();
const own = await stripe.issuing.cards.retrieve(card.id, {expand: ['number', 'cvc']}, opts);
assert.equal(shown.number, own.number);
assert.equal(shown.cvc, own.cvc);
report('reveal');

const readOnly = new Stripe(key.secret, config);
await assert.rejects(
  () => readOnly.issuing.cards.list({}, opts),
  (err) => err.statusCode === 403 && err.type === 'StripePermissionError',
);
await stripe.ephemeralKeys.del(key.id, {}, opts);
report('done');
