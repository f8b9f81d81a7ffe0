-- Better Auth 1.7.0-1.7.2's SQLite schema (core tables only): account has the NOT NULL
-- "issuer" column those releases added and 1.7.3 stopped writing. Written from the spec
-- (shared/spec/better-auth-core.md §7.2, §12 item 15).
create table "user" ("id" text not null primary key, "name" text not null, "email" text not null unique, "emailVerified" integer not null, "image" text, "createdAt" date not null, "updatedAt" date not null);
create table "session" ("id" text not null primary key, "expiresAt" date not null, "token" text not null unique, "createdAt" date not null, "updatedAt" date not null, "ipAddress" text, "userAgent" text, "userId" text not null references "user" ("id") on delete cascade);
create table "account" ("id" text not null primary key, "accountId" text not null, "providerId" text not null, "userId" text not null references "user" ("id") on delete cascade, "accessToken" text, "refreshToken" text, "idToken" text, "accessTokenExpiresAt" date, "refreshTokenExpiresAt" date, "scope" text, "password" text, "createdAt" date not null, "updatedAt" date not null, "issuer" text not null);
create table "verification" ("id" text not null primary key, "identifier" text not null, "value" text not null, "expiresAt" date not null, "createdAt" date not null, "updatedAt" date not null);
create index "session_userId_idx" on "session" ("userId");
create index "account_userId_idx" on "account" ("userId");
create unique index "account_issuer_accountId_uidx" on "account" ("issuer", "accountId");
create index "verification_identifier_idx" on "verification" ("identifier");
insert into "user" values ('u1', 'Old User', 'old@example.com', 1, null, '2025-10-01T10:00:00.000Z', '2025-10-01T10:00:00.000Z');
insert into "account" values ('a1', 'u1', 'credential', 'u1', null, null, null, null, null, null, 'c7db8828c62e2cb9b1d949b27854487b:bc4d5072b2ab7b081552ad7ea004e7bfeda02eeb6c4d5fdf104c147b59de6844cef57ad8f531cf2db069e2dc5a10e73ba9e381dfae666dec3016133d035296e6', '2025-10-01T10:00:00.000Z', '2025-10-01T10:00:00.000Z', 'local:credential');
insert into "session" values ('s1', '2099-01-01T00:00:00.000Z', 'OldSessionToken0123456789abcdefg', '2025-10-01T10:00:00.000Z', '2025-10-01T10:00:00.000Z', '', '', 'u1');
