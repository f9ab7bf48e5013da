export { OAuth2Client, pkceChallenge, type OAuth2ClientOptions, type TokenResponse } from './oauth2-client.ts';
