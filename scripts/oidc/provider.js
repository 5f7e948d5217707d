// A real OpenID Connect provider on 127.0.0.1 for the sign-in tests (oauth2-mock-server, installed by
// `scripts/setup.sh --test` through `npm ci` from this folder's package-lock.json).
//
//   node scripts/oidc/provider.js CLAIMS.json [PORT]
//
// Prints one line `issuer=http://127.0.0.1:PORT` when it listens (PORT 0 or none: a free port).  Every token
// it signs (the id_token and the access token) gets the claims in CLAIMS.json, read at that moment, so a
// test writes the next user's {"sub", "email", "email_verified", "name"} before it signs in.  An optional
// "lifetime_seconds" in CLAIMS.json (not a claim itself) makes the tokens expire that many seconds after
// they are issued (`exp`, and `expires_in` of the token response; default one hour).  Each signed token is
// logged as one line `signed n=N iat=… exp=…` (times only, no claims), so a test knows when they expire.
"use strict";
const fs = require("node:fs");
const { OAuth2Server } = require("oauth2-mock-server");

async function main() {
  const claimsFile = process.argv[2];
  const port = Number(process.argv[3] || 0);
  if (!claimsFile) {
    console.error("usage: node provider.js CLAIMS.json [PORT]");
    process.exit(2);
  }
  const server = new OAuth2Server();
  await server.issuer.keys.generate("RS256");
  const readClaims = () => {
    try {
      return JSON.parse(fs.readFileSync(claimsFile, "utf8"));
    } catch (err) {
      console.error(`claims file unreadable: ${err}`);
      return {};
    }
  };
  let signed = 0;
  server.service.on("beforeTokenSigning", (token) => {
    const { lifetime_seconds: lifetime, ...claims } = readClaims();
    Object.assign(token.payload, claims);
    if (Number.isInteger(lifetime) && lifetime > 0) {
      token.payload.exp = token.payload.iat + lifetime;
    }
    signed += 1;
    console.log(`signed n=${signed} iat=${token.payload.iat} exp=${token.payload.exp}`);
  });
  server.service.on("beforeResponse", (tokenResponse) => {
    const { lifetime_seconds: lifetime } = readClaims();
    if (Number.isInteger(lifetime) && lifetime > 0 && tokenResponse.body.expires_in !== undefined) {
      tokenResponse.body.expires_in = lifetime;
    }
  });
  server.service.on("beforeUserinfo", (userInfoResponse) => {
    const { lifetime_seconds: _lifetime, ...claims } = readClaims();
    Object.assign(userInfoResponse.body, claims);
  });
  await server.start(port, "127.0.0.1");
  server.issuer.url = `http://127.0.0.1:${server.address().port}`; // never "localhost" (it may be ::1)
  console.log(`issuer=${server.issuer.url}`);
  const stop = async () => {
    await server.stop();
    process.exit(0);
  };
  process.on("SIGTERM", stop);
  process.on("SIGINT", stop);
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
