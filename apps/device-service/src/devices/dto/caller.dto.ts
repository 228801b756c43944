import { CANONICAL_BASE64URL_32_BYTES } from '@td/common';
import { ROLES, type Caller, type ProofKey, type Role, type TokenClaims } from '@td/contracts';
import { Type } from 'class-transformer';
import { IsIn, IsNotEmpty, IsObject, IsOptional, IsString, Matches, MaxLength, ValidateNested } from 'class-validator';

/** The gateway verified these; we still check their shape at our own edge (STYLE.md 5). */
export class TokenClaimsDto implements TokenClaims {
  @IsString() @IsNotEmpty() @MaxLength(255) sub: string;
  @IsString() @IsNotEmpty() @MaxLength(255) wid: string;
  @IsString() @MaxLength(320) email: string;
  @IsString() @MaxLength(255) username: string;
  @IsIn(ROLES) role: Role;
}

export class PublicJwkDto {
  @IsIn(['EC']) kty: string;
  @IsIn(['P-256']) crv: string;
  @Matches(CANONICAL_BASE64URL_32_BYTES) x: string;
  @Matches(CANONICAL_BASE64URL_32_BYTES) y: string;
}

export class ProofKeyDto implements ProofKey {
  /** RFC 7638 thumbprint: base64url of a SHA-256 digest. */
  @Matches(CANONICAL_BASE64URL_32_BYTES) jkt: string;
  @IsObject() @ValidateNested() @Type(() => PublicJwkDto) jwk: PublicJwkDto;
}

export class CallerDto implements Caller {
  @IsObject() @ValidateNested() @Type(() => TokenClaimsDto) claims: TokenClaimsDto;
  @IsOptional() @ValidateNested() @Type(() => ProofKeyDto) proof: ProofKeyDto | null = null;
  @IsOptional() @IsString() @MaxLength(64) ip: string | null = null;
  @IsOptional() @IsString() @MaxLength(8192) userAgent: string | null = null;
}
