using System.Buffers;
using System.Buffers.Text;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Warden.Core.Trust;

namespace Warden.Core.Tests.Trust;

public class CompactJwsTests
{
    // RFC 7515 Appendix A.3 (ES256): the published key and signed token.
    private const string Rfc7515X = "f83OJ3D2xF1Bg8vub9tLe1gHMzV76e8Tus9uPHvRVEU";
    private const string Rfc7515Y = "x_FEzRu9m36HLN_tue659LNpXW6pCyStikYjKIWI5a0";
    private const string Rfc7515D = "jpsQnnGQmL-YBIffH1136cspYG6-0iY7X1fCE9-E9LI";
    private const string Rfc7515SigningInput = "eyJhbGciOiJFUzI1NiJ9.eyJpc3MiOiJqb2UiLA0KICJleHAiOjEzMDA4MTkzODAsDQogImh0dHA6Ly9leGFtcGxlLmNvbS9pc19yb290Ijp0cnVlfQ";
    private const string Rfc7515Signature = "DtEhU3ljbEg8L38VWAfUAqOyKAM6-Xx-F4GawxaepmXFCgfTjDxw5djxLa8ISlSApmWQxfKTUJqPP3-Kg6NU1Q";

    private static readonly byte[] Payload = Encoding.UTF8.GetBytes("{\"hello\":\"wörld\",\"n\":1}");

    [Fact]
    public void The_rfc7515_es256_example_verifies_and_a_flipped_byte_does_not()
    {
        Assert.True(JsonWebKey.TryCreate(Rfc7515X, Rfc7515Y, out JsonWebKey? key, out string? error), error);
        byte[] input = Encoding.ASCII.GetBytes(Rfc7515SigningInput);
        byte[] signature = Base64Url.DecodeFromChars(Rfc7515Signature);
        Assert.True(key!.Verify(input, signature));

        for (int i = 0; i < signature.Length; i++)
        {
            byte[] bad = (byte[])signature.Clone();
            bad[i] ^= 0x80;
            Assert.False(key.Verify(input, bad), $"signature byte {i}");
        }

        input[^1] ^= 0x01;
        Assert.False(key.Verify(input, signature));
    }

    [Fact]
    public void A_key_loaded_from_the_rfc7515_private_scalar_signs_what_its_published_half_verifies()
    {
        using EcSigningKey key = EcSigningKey.FromParameters(Base64Url.DecodeFromChars(Rfc7515D), Base64Url.DecodeFromChars(Rfc7515X), Base64Url.DecodeFromChars(Rfc7515Y));
        Assert.Equal(Rfc7515X, key.PublicKey.X);
        Assert.Equal(Rfc7515Y, key.PublicKey.Y);

        string token = CompactJws.Sign(Payload, key, "test+jws");
        Assert.True(CompactJws.Verify(token, new JsonWebKeySet([key.PublicKey])).IsValid);
    }

    [Fact]
    public void Kid_is_the_rfc7638_thumbprint()
    {
        using EcSigningKey key = EcSigningKey.Generate();

        // RFC 7638 §3: the required members of an EC key, sorted by name, no whitespace, then SHA-256, base64url.
        var members = new SortedDictionary<string, string>(StringComparer.Ordinal)
        {
            ["y"] = key.PublicKey.Y,
            ["x"] = key.PublicKey.X,
            ["kty"] = "EC",
            ["crv"] = "P-256",
        };
        var buffer = new ArrayBufferWriter<byte>();
        using (var writer = new Utf8JsonWriter(buffer))
        {
            writer.WriteStartObject();
            foreach ((string name, string value) in members)
            {
                writer.WriteString(name, value);
            }

            writer.WriteEndObject();
        }

        Assert.StartsWith("{\"crv\":\"P-256\",\"kty\":\"EC\",\"x\":", Encoding.UTF8.GetString(buffer.WrittenSpan), StringComparison.Ordinal);
        Assert.Equal(Base64Url.EncodeToString(SHA256.HashData(buffer.WrittenSpan)), key.KeyId);
        Assert.Equal(43, key.KeyId.Length);
    }

    [Fact]
    public void Round_trip_gives_back_the_payload_header_and_kid()
    {
        using EcSigningKey key = EcSigningKey.Generate();
        string token = CompactJws.Sign(Payload, key, "warden-receipt+jws");

        string header = Encoding.UTF8.GetString(Base64Url.DecodeFromChars(token.Split('.')[0]));
        Assert.Equal($"{{\"alg\":\"ES256\",\"kid\":\"{key.KeyId}\",\"typ\":\"warden-receipt+jws\"}}", header);
        Assert.Equal(86, token.Split('.')[2].Length);

        JwsVerification result = CompactJws.Verify(token, new JsonWebKeySet([key.PublicKey]));
        Assert.Equal(JwsStatus.Valid, result.Status);
        Assert.Equal(key.KeyId, result.KeyId);
        Assert.Equal("warden-receipt+jws", result.Type);
        Assert.Equal(Payload, result.Payload);
    }

    [Fact]
    public void Changing_any_character_of_the_token_fails()
    {
        using EcSigningKey key = EcSigningKey.Generate();
        var keys = new JsonWebKeySet([key.PublicKey]);
        string token = CompactJws.Sign(Payload, key, "t");
        for (int i = 0; i < token.Length; i++)
        {
            foreach (char replacement in new[] { 'A', 'B', 'g', '-', '_', '.' })
            {
                if (token[i] == replacement)
                {
                    continue;
                }

                string tampered = string.Concat(token.AsSpan(0, i), replacement.ToString(), token.AsSpan(i + 1));
                Assert.False(CompactJws.Verify(tampered, keys).IsValid, $"position {i} -> '{replacement}'");
            }
        }

        Assert.False(CompactJws.Verify(token + "A", keys).IsValid);
        Assert.False(CompactJws.Verify(token[..^1], keys).IsValid);
        Assert.False(CompactJws.Verify(token + "=", keys).IsValid);
    }

    [Fact]
    public void Any_flipped_byte_in_the_decoded_header_payload_or_signature_fails()
    {
        using EcSigningKey key = EcSigningKey.Generate();
        var keys = new JsonWebKeySet([key.PublicKey]);
        string[] parts = CompactJws.Sign(Payload, key, "t").Split('.');
        for (int part = 0; part < 3; part++)
        {
            byte[] bytes = Base64Url.DecodeFromChars(parts[part]);
            for (int i = 0; i < bytes.Length; i++)
            {
                byte[] flipped = (byte[])bytes.Clone();
                flipped[i] ^= 0x01;
                string[] copy = (string[])parts.Clone();
                copy[part] = Base64Url.EncodeToString(flipped);
                Assert.False(CompactJws.Verify(string.Join('.', copy), keys).IsValid, $"part {part} byte {i}");
            }
        }
    }

    [Fact]
    public void A_token_from_another_key_is_refused_as_unknown()
    {
        using EcSigningKey key = EcSigningKey.Generate();
        using EcSigningKey other = EcSigningKey.Generate();
        string token = CompactJws.Sign(Payload, other, "t");
        JwsVerification result = CompactJws.Verify(token, new JsonWebKeySet([key.PublicKey]));
        Assert.Equal(JwsStatus.UnknownKey, result.Status);
        Assert.Null(result.Payload);
    }

    [Fact]
    public void A_signature_by_another_key_under_a_published_kid_fails()
    {
        using EcSigningKey key = EcSigningKey.Generate();
        using EcSigningKey other = EcSigningKey.Generate();
        string[] genuine = CompactJws.Sign(Payload, key, "t").Split('.');
        byte[] forged = other.Sign(Encoding.ASCII.GetBytes(genuine[0] + "." + genuine[1]));
        string token = genuine[0] + "." + genuine[1] + "." + Base64Url.EncodeToString(forged);
        Assert.Equal(JwsStatus.BadSignature, CompactJws.Verify(token, new JsonWebKeySet([key.PublicKey])).Status);
    }

    [Theory]
    [InlineData("{\"alg\":\"none\",\"kid\":\"KID\"}", JwsStatus.UnsupportedAlgorithm)]
    [InlineData("{\"alg\":\"HS256\",\"kid\":\"KID\"}", JwsStatus.UnsupportedAlgorithm)]
    [InlineData("{\"alg\":\"ES256\",\"kid\":\"KID\",\"crit\":[\"exp\"]}", JwsStatus.Malformed)]
    [InlineData("{\"alg\":\"ES256\",\"kid\":\"KID\",\"alg\":\"none\"}", JwsStatus.Malformed)]
    [InlineData("{\"alg\":\"ES256\"}", JwsStatus.UnknownKey)]
    [InlineData("[1]", JwsStatus.Malformed)]
    public void Headers_that_are_not_plain_es256_are_refused(string headerTemplate, JwsStatus expected)
    {
        using EcSigningKey key = EcSigningKey.Generate();
        string header = Base64Url.EncodeToString(Encoding.UTF8.GetBytes(headerTemplate.Replace("KID", key.KeyId, StringComparison.Ordinal)));
        string input = header + "." + Base64Url.EncodeToString(Payload);
        string token = input + "." + Base64Url.EncodeToString(key.Sign(Encoding.ASCII.GetBytes(input)));
        Assert.Equal(expected, CompactJws.Verify(token, new JsonWebKeySet([key.PublicKey])).Status);
    }

    [Fact]
    public void Rotated_keys_still_verify_old_tokens_through_the_published_set()
    {
        using EcSigningKey first = EcSigningKey.Generate();
        using EcSigningKey second = EcSigningKey.Generate();
        var ring = new SigningKeyRing(first);
        string old = CompactJws.Sign(Payload, ring.Current, "t");

        SigningKeyRing rotated = ring.Rotate(second);
        string fresh = CompactJws.Sign(Payload, rotated.Current, "t");
        Assert.Equal(second.KeyId, rotated.Current.KeyId);
        Assert.Equal([second.KeyId, first.KeyId], rotated.PublicKeys.Keys.Select(k => k.KeyId));

        // Through the published JSON, as a user would fetch it.
        var buffer = new ArrayBufferWriter<byte>();
        rotated.PublicKeys.WriteTo(buffer);
        Assert.True(JsonWebKeySet.TryParse(buffer.WrittenSpan, out JsonWebKeySet? published, out string? error), error);
        Assert.True(CompactJws.Verify(old, published!).IsValid);
        Assert.True(CompactJws.Verify(fresh, published!).IsValid);
        Assert.Equal(JwsStatus.UnknownKey, CompactJws.Verify(fresh, ring.PublicKeys).Status);
    }

    [Fact]
    public void Jwks_json_has_the_documented_members_in_order()
    {
        using EcSigningKey key = EcSigningKey.Generate();
        var buffer = new ArrayBufferWriter<byte>();
        new JsonWebKeySet([key.PublicKey]).WriteTo(buffer);
        Assert.Equal(
            $"{{\"keys\":[{{\"kty\":\"EC\",\"crv\":\"P-256\",\"x\":\"{key.PublicKey.X}\",\"y\":\"{key.PublicKey.Y}\",\"kid\":\"{key.KeyId}\",\"alg\":\"ES256\",\"use\":\"sig\"}}]}}",
            Encoding.UTF8.GetString(buffer.WrittenSpan));
        Assert.Equal($"{{\"kty\":\"EC\",\"crv\":\"P-256\",\"x\":\"{key.PublicKey.X}\",\"y\":\"{key.PublicKey.Y}\",\"kid\":\"{key.KeyId}\",\"alg\":\"ES256\",\"use\":\"sig\"}}", key.PublicKey.ToJson());
    }

    [Fact]
    public void Jwks_parsing_skips_other_key_types_and_refuses_bad_ec_keys()
    {
        using EcSigningKey key = EcSigningKey.Generate();
        string jwk = key.PublicKey.ToJson();
        string rsa = "{\"kty\":\"RSA\",\"n\":\"0vx7\",\"e\":\"AQAB\",\"kid\":\"r\"}";
        Assert.True(JsonWebKeySet.TryParse(Encoding.UTF8.GetBytes($"{{\"keys\":[{rsa},{jwk}]}}"), out JsonWebKeySet? set, out _));
        Assert.Single(set!.Keys);
        Assert.NotNull(set.Find(key.KeyId));

        string wrongKid = jwk.Replace(key.KeyId, "not-the-thumbprint", StringComparison.Ordinal);
        string withPrivate = jwk.Replace("\"use\":\"sig\"", "\"use\":\"sig\",\"d\":\"" + Base64Url.EncodeToString(key.ExportPkcs8().AsSpan(0, 32)) + "\"", StringComparison.Ordinal);
        string offCurve = jwk.Replace(key.PublicKey.Y, Base64Url.EncodeToString(new byte[32]), StringComparison.Ordinal)
            .Replace(key.KeyId, JsonWebKey.Thumbprint(key.PublicKey.X, Base64Url.EncodeToString(new byte[32])), StringComparison.Ordinal);
        foreach (string bad in new[] { wrongKid, withPrivate, offCurve })
        {
            Assert.False(JsonWebKeySet.TryParse(Encoding.UTF8.GetBytes($"{{\"keys\":[{bad}]}}"), out _, out string? error));
            Assert.NotNull(error);
        }

        Assert.False(JsonWebKeySet.TryParse("[]"u8, out _, out _));
        Assert.False(JsonWebKeySet.TryParse("{\"keys\":"u8, out _, out _));
    }

    [Fact]
    public void A_signing_key_survives_pkcs8_export_and_import()
    {
        using EcSigningKey key = EcSigningKey.Generate();
        using EcSigningKey loaded = EcSigningKey.FromPkcs8(key.ExportPkcs8());
        Assert.Equal(key.KeyId, loaded.KeyId);
        Assert.True(CompactJws.Verify(CompactJws.Sign(Payload, loaded, "t"), new JsonWebKeySet([key.PublicKey])).IsValid);
    }
}
