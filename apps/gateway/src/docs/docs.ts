import type { INestApplication } from '@nestjs/common';
import { DocumentBuilder, SwaggerModule } from '@nestjs/swagger';

/** OpenAPI document at /docs/openapi.json and the interactive page at /docs (OPS-3). */
export function setUpDocs(app: INestApplication, publicUrl: string): void {
  const document = SwaggerModule.createDocument(
    app,
    new DocumentBuilder()
      .setTitle('Trusted Devices')
      .setDescription('Register, confirm and manage the trusted devices of a workspace. Errors are application/problem+json (RFC 9457).')
      .setVersion('1')
      .addServer(publicUrl)
      .addBearerAuth({ type: 'http', scheme: 'bearer', bearerFormat: 'JWT' }, 'token')
      .addApiKey({ type: 'apiKey', in: 'header', name: 'DPoP', description: 'RFC 9449 proof signed by the device key' }, 'proof')
      .addBearerAuth({ type: 'http', scheme: 'bearer', description: "A workspace's SCIM token (SCIM errors are RFC 7644 bodies)" }, 'scim')
      .build(),
  );
  SwaggerModule.setup('docs', app, document, { jsonDocumentUrl: 'docs/openapi.json', yamlDocumentUrl: 'docs/openapi.yaml' });
}
