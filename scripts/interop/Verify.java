// Verifies one idstream access token the way Spring Security's resource server does: Nimbus
// JOSE+JWT's DefaultJWTProcessor with a JWSVerificationKeySelector over a remote JWK set, given
// ONLY the JWKS URL (interop test, issue 13). Java 17 single-file program:
//   java -cp '.data/interop-jars/*' scripts/interop/Verify.java <jwks-url> <algorithm> <token>
// Prints the verified claims as JSON and exits 0, or prints the error and exits 1.
import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.jwk.source.JWKSource;
import com.nimbusds.jose.jwk.source.JWKSourceBuilder;
import com.nimbusds.jose.proc.JWSVerificationKeySelector;
import com.nimbusds.jose.proc.SecurityContext;
import com.nimbusds.jwt.JWTClaimsSet;
import com.nimbusds.jwt.proc.DefaultJWTProcessor;
import java.net.URL;

public class Verify {
  public static void main(String[] args) throws Exception {
    String jwksUrl = args[0];
    JWSAlgorithm algorithm = JWSAlgorithm.parse(args[1]);
    String token = args[2];
    try {
      JWKSource<SecurityContext> keys = JWKSourceBuilder.create(new URL(jwksUrl)).build();
      DefaultJWTProcessor<SecurityContext> processor = new DefaultJWTProcessor<>();
      processor.setJWSKeySelector(new JWSVerificationKeySelector<>(algorithm, keys));
      JWTClaimsSet claims = processor.process(token, null);
      System.out.println(claims.toString());
    } catch (Exception error) {
      System.out.println(error.getClass().getSimpleName() + ": " + error.getMessage());
      System.exit(1);
    }
  }
}
