import { Text } from '../http/validators';

/** RFC 7662's request as JSON: the token only (`token_type_hint` is not needed: there is one kind). */
export class IntrospectTokenDto {
  @Text(1, 8192) token!: string;
}
