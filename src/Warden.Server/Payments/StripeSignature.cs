using System.Globalization;
using System.Security.Cryptography;
using System.Text;

namespace Warden.Server.Payments;

/// <summary>
/// Verifies Stripe's <c>Stripe-Signature</c> header (https://docs.stripe.com/webhooks#verify-manually): a comma-separated
/// list of <c>t=&lt;unix seconds&gt;</c> and one or more <c>v1=&lt;hex&gt;</c> (other schemes, such as v0, are ignored);
/// each v1 is HMAC-SHA256, keyed with the endpoint secret, over <c>"&lt;t&gt;." + raw body</c>. One matching v1 is enough
/// (several appear while a secret is being rolled). The timestamp must lie within the tolerance of now, so a captured
/// delivery cannot be replayed later.
/// </summary>
internal static class StripeSignature
{
    /// <summary>Null when genuine and fresh, else why not (fixed text, safe to log).</summary>
    public static string? Problem(string? header, ReadOnlySpan<byte> body, string secret, DateTimeOffset now, TimeSpan tolerance)
    {
        if (string.IsNullOrEmpty(header))
        {
            return "no Stripe-Signature header";
        }

        long? timestamp = null;
        List<byte[]> signatures = [];
        foreach (string element in header.Split(','))
        {
            int equals = element.IndexOf('=', StringComparison.Ordinal);
            if (equals <= 0)
            {
                continue;
            }

            var key = element.AsSpan(0, equals).Trim();
            var value = element.AsSpan(equals + 1).Trim();
            if (key.SequenceEqual("t"))
            {
                if (timestamp is not null || !long.TryParse(value, NumberStyles.None, CultureInfo.InvariantCulture, out long t))
                {
                    return "malformed timestamp in Stripe-Signature";
                }

                timestamp = t;
            }
            else if (key.SequenceEqual("v1") && value.Length == 64)
            {
                try
                {
                    signatures.Add(Convert.FromHexString(value));
                }
                catch (FormatException)
                {
                    // Not hex: it cannot match, and another v1 still may.
                }
            }
        }

        if (timestamp is not { } seconds)
        {
            return "no timestamp in Stripe-Signature";
        }

        if (signatures.Count == 0)
        {
            return "no v1 signature in Stripe-Signature";
        }

        // Checked before the MAC so that a stale delivery is named as such; both must pass.
        long nowSeconds = now.ToUnixTimeSeconds();
        if (seconds < nowSeconds - (long)tolerance.TotalSeconds || seconds > nowSeconds + (long)tolerance.TotalSeconds)
        {
            return "timestamp outside the tolerance";
        }

        byte[] prefix = Encoding.ASCII.GetBytes(seconds.ToString(CultureInfo.InvariantCulture) + ".");
        byte[] signed = new byte[prefix.Length + body.Length];
        prefix.CopyTo(signed, 0);
        body.CopyTo(signed.AsSpan(prefix.Length));
        byte[] expected = HMACSHA256.HashData(Encoding.UTF8.GetBytes(secret), signed);
        foreach (byte[] signature in signatures)
        {
            if (CryptographicOperations.FixedTimeEquals(signature, expected))
            {
                return null;
            }
        }

        return "signature does not match";
    }
}
