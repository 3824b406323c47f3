// Connect onboarding with stripe-node, run by tests/connect/test_onboarding_node.py:
//   node onboarding_flow.mjs <base url> <secret key>
// onboarding=required -> a custom company account lists requirements -> persons (create, list by
// relationship, update, delete) -> an account link whose page is opened and submitted like a
// browser would -> nothing due, capabilities active; an account session; an Express account
// onboarded the same way, then its login link.
// Prints one JSON line per step ({"step": ...}); exits non-zero on any failed assertion.
import assert from 'node:assert/strict';
import Stripe from 'stripe';

import {emulatorConfig, report} from './emulator.mjs';

const [baseUrl, apiKey] = process.argv.slice(2);
const stripe = new Stripe(apiKey, emulatorConfig(baseUrl));

const settings = await fetch(`${baseUrl}/_emulator/platform_settings`, {
  method: 'POST',
  headers: {Authorization: `Bearer ${apiKey}`, 'Content-Type': 'application/json'},
  body: JSON.stringify({onboarding: 'required'}),
});
assert.equal((await settings.json()).onboarding, 'required');

const account = await stripe.accounts.create({
  country: 'US',
  business_type: 'company',
  controller: {stripe_dashboard: {type: 'none'}, requirement_collection: 'application'},
  capabilities: {card_issuing: {requested: true}, transfers: {requested: true}},
});
assert.ok(account.requirements.currently_due.includes('company.tax_id'));
assert.equal(account.capabilities.card_issuing, 'inactive');
report('account', {due: account.requirements.currently_due.length});

const director = await stripe.accounts.createPerson(account.id, {first_name: 'Dee', relationship: {director: true}});
const directors = await stripe.accounts.listPersons(account.id, {relationship: {director: true}});
assert.deepEqual(directors.data.map((p) => p.id), [director.id]);
const renamed = await stripe.accounts.updatePerson(account.id, director.id, {last_name: 'Rector'});
assert.equal(renamed.last_name, 'Rector');
const deleted = await stripe.accounts.deletePerson(account.id, director.id);
assert.equal(deleted.deleted, true);
report('persons');

/** Open an account's onboarding link and submit its page as a browser would. */
async function onboard(accountId) {
  const link = await stripe.accountLinks.create({
    account: accountId,
    type: 'account_onboarding',
    refresh_url: 'https://platform.example/refresh',
    return_url: 'https://platform.example/return',
  });
  const page = await fetch(link.url);
  assert.equal(page.status, 200);
  const html = await page.text();
  const token = html.match(/name="form_token" value="([^"]+)"/)[1];
  const submitted = await fetch(link.url, {
    method: 'POST',
    redirect: 'manual',
    headers: {'Content-Type': 'application/x-www-form-urlencoded', Origin: new URL(link.url).origin},
    body: new URLSearchParams({form_token: token}),
  });
  assert.equal(submitted.status, 303);
  assert.equal(submitted.headers.get('location'), 'https://platform.example/return');
}

await onboard(account.id);
const onboarded = await stripe.accounts.retrieve(account.id);
assert.deepEqual(onboarded.requirements.currently_due, []);
assert.equal(onboarded.capabilities.card_issuing, 'active');
assert.equal(onboarded.details_submitted, true);
report('hosted_onboarding');

const session = await stripe.accountSessions.create({
  account: account.id,
  components: {issuing_cards_list: {enabled: true, features: {card_management: true}}},
});
assert.match(session.client_secret, /^accs_secret__/);
assert.equal(session.components.issuing_cards_list.features.card_management, true);
report('account_session');

// an Express account gets login links once onboarded (Stripe refuses them before)
const express = await stripe.accounts.create({type: 'express', capabilities: {transfers: {requested: true}}});
assert.equal(express.details_submitted, false);
await onboard(express.id);
const login = await stripe.accounts.createLoginLink(express.id);
assert.equal((await fetch(login.url)).status, 200);
report('login_link');
