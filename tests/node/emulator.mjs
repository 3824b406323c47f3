// What the stripe-node scripts of this folder share: the SDK's configuration for the emulator, the
// line each step reports, and the objects of Stripe's "Issuing on Treasury" guide.

/** stripe-node's configuration sending every base address (api, files) to the emulator at `baseUrl`. */
export function emulatorConfig(baseUrl, extra = {}) {
  const url = new URL(baseUrl);
  return {host: url.hostname, port: Number(url.port), protocol: 'http', maxNetworkRetries: 0, telemetry: false, ...extra};
}

/** One JSON line per step on stdout (tests/support/node.py `steps_of` reads them). */
export function report(step, extra = {}) {
  process.stdout.write(JSON.stringify({step, ...extra}) + '\n');
}

/** The guide's connected account: the platform collects requirements, pays the fees and takes the losses. */
export const CONTROLLER = {
  stripe_dashboard: {type: 'none'},
  fees: {payer: 'application'},
  losses: {payments: 'application'},
  requirement_collection: 'application',
};

/** The guide's address (the cardholder's billing address). */
export const ADDRESS = {line1: '1234 Main Street', city: 'San Francisco', state: 'CA', postal_code: '94111', country: 'US'};

/** The guide's cardholder (no terms acceptance). */
export const CARDHOLDER = {
  type: 'individual',
  name: 'Jenny Rosen',
  email: 'jenny.rosen@example.com',
  phone_number: '+18888675309',
  individual: {first_name: 'Jenny', last_name: 'Rosen', dob: {day: 1, month: 11, year: 1981}},
  billing: {address: ADDRESS},
};
