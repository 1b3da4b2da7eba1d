using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Org.BouncyCastle.Asn1.Nist;
using Org.BouncyCastle.Crypto.Parameters;
using Org.BouncyCastle.Crypto.Signers;
using Org.BouncyCastle.Math;

namespace Warden.Server.Tests.Trust;

/// <summary>
/// A receipt verifier written from docs/trust.md alone ("What is inside", "Batched signatures (version 2)", "Checking one
/// by hand"), with another ECDSA implementation (BouncyCastle) than Warden's and nothing of Warden's code: the independent
/// check that a receipt verifies the way the documentation tells a user to verify it.
/// </summary>
internal static class SpecReceiptVerifier
{
    /// <summary>The verified claims JSON, or null with the reason.</summary>
    public static (JsonElement? Claims, string? Failure) Verify(string receipt, byte[] jwksJson)
    {
        // Version 2: "four parts separated by ~, H~C~I~P".
        if (receipt.Contains('~', StringComparison.Ordinal))
        {
            string[] parts = receipt.Split('~');
            if (parts.Length != 4)
            {
                return (null, "not four ~-separated parts");
            }

            var (batchHeader, failure) = VerifyJws(parts[0], jwksJson, "warden-receipt-batch+jws");
            if (batchHeader is not { } header)
            {
                return (null, failure);
            }

            // "{"v":2,"kid":…,"issued_at":…,"size":n,"root":…}", its kid "the same as the JWS header's kid".
            if (header.GetProperty("v").GetInt32() != 2 || header.GetProperty("kid").GetString() != KidOf(parts[0]))
            {
                return (null, "batch header v or kid");
            }

            byte[] claims = B64Url(parts[1]);
            long index = long.Parse(parts[2], System.Globalization.CultureInfo.InvariantCulture);
            byte[] path = parts[3].Length == 0 ? [] : B64Url(parts[3]);

            // "leaf hash = SHA-256(0x00 ‖ claims bytes)", "node = SHA-256(0x01 ‖ left ‖ right)", folded by RFC 9162 §2.1.3.2.
            byte[] r = SHA256.HashData([0x00, .. claims]);
            long fn = index;
            long sn = header.GetProperty("size").GetInt64() - 1;
            if (fn > sn || path.Length % 32 != 0)
            {
                return (null, "index or path length");
            }

            for (int k = 0; k < path.Length; k += 32)
            {
                if (sn == 0)
                {
                    return (null, "path too long");
                }

                byte[] p = path[k..(k + 32)];
                if (fn % 2 == 1 || fn == sn)
                {
                    r = SHA256.HashData([0x01, .. p, .. r]);
                    while (fn % 2 == 0 && fn != 0)
                    {
                        fn >>= 1;
                        sn >>= 1;
                    }
                }
                else
                {
                    r = SHA256.HashData([0x01, .. r, .. p]);
                }

                fn >>= 1;
                sn >>= 1;
            }

            if (sn != 0 || Convert.ToHexStringLower(r) != header.GetProperty("root").GetString())
            {
                return (null, "the claims and path do not lead to the signed root");
            }

            JsonElement parsed = JsonDocument.Parse(claims).RootElement.Clone();
            return parsed.GetProperty("v").GetInt32() == 2 ? (parsed, null) : (null, "claims v is not 2");
        }

        // Version 1: "a compact JWS, header.payload.signature", typ warden-receipt+jws, claims "v":1.
        var (single, error) = VerifyJws(receipt, jwksJson, "warden-receipt+jws");
        if (single is not { } payload)
        {
            return (null, error);
        }

        return payload.GetProperty("v").GetInt32() == 1 ? (payload, null) : (null, "claims v is not 1");
    }

    /// <summary>"ES256 (ECDSA P-256 with SHA-256) over the ASCII text header.payload … in the JOSE form r‖s (64 bytes)".</summary>
    private static (JsonElement? Payload, string? Failure) VerifyJws(string jws, byte[] jwksJson, string type)
    {
        string[] parts = jws.Split('.');
        if (parts.Length != 3)
        {
            return (null, "not three dot-separated parts");
        }

        using var protectedHeader = JsonDocument.Parse(B64Url(parts[0]));
        if (protectedHeader.RootElement.GetProperty("alg").GetString() != "ES256" || protectedHeader.RootElement.GetProperty("typ").GetString() != type)
        {
            return (null, "alg or typ");
        }

        string kid = protectedHeader.RootElement.GetProperty("kid").GetString()!;
        using var jwks = JsonDocument.Parse(jwksJson);
        JsonElement? jwk = null;
        foreach (JsonElement key in jwks.RootElement.GetProperty("keys").EnumerateArray())
        {
            if (key.GetProperty("kid").GetString() == kid)
            {
                jwk = key;
            }
        }

        if (jwk is not { } found)
        {
            return (null, "kid not published");
        }

        var curve = NistNamedCurves.GetByName("P-256");
        var domain = new ECDomainParameters(curve.Curve, curve.G, curve.N, curve.H);
        var point = curve.Curve.CreatePoint(
            new BigInteger(1, B64Url(found.GetProperty("x").GetString()!)),
            new BigInteger(1, B64Url(found.GetProperty("y").GetString()!)));
        var signer = new ECDsaSigner();
        signer.Init(false, new ECPublicKeyParameters(point, domain));
        byte[] signature = B64Url(parts[2]);
        byte[] digest = SHA256.HashData(Encoding.ASCII.GetBytes(parts[0] + "." + parts[1]));
        if (signature.Length != 64 || !signer.VerifySignature(digest, new BigInteger(1, signature[..32]), new BigInteger(1, signature[32..])))
        {
            return (null, "signature");
        }

        return (JsonDocument.Parse(B64Url(parts[1])).RootElement.Clone(), null);
    }

    private static string KidOf(string jws)
    {
        using var header = JsonDocument.Parse(B64Url(jws.Split('.')[0]));
        return header.RootElement.GetProperty("kid").GetString()!;
    }

    private static byte[] B64Url(string text) => Convert.FromBase64String(text.Replace('-', '+').Replace('_', '/') + new string('=', (4 - (text.Length % 4)) % 4));
}
