using System.Security.Cryptography;
using System.Text;

namespace Warden.Server.Payments;

/// <summary>
/// Alipay's RSA2 signatures (open platform, "签名与验签"): the parameters with a non-empty value, sorted by name in
/// ASCII order, joined as <c>name=value</c> with <c>&amp;</c> (values as they are, not URL-encoded), signed with
/// SHA256withRSA (PKCS#1 v1.5), base64. A request the merchant signs leaves out <c>sign</c> only; an asynchronous
/// notification is verified over everything but <c>sign</c> and <c>sign_type</c>.
/// </summary>
internal static class AlipaySignature
{
    public static string SigningString(IEnumerable<KeyValuePair<string, string>> parameters, bool excludeSignType)
    {
        var kept = parameters
            .Where(p => p.Key != "sign" && !(excludeSignType && p.Key == "sign_type") && !string.IsNullOrEmpty(p.Value))
            .OrderBy(p => p.Key, StringComparer.Ordinal);
        return string.Join('&', kept.Select(p => p.Key + "=" + p.Value));
    }

    public static string Sign(IEnumerable<KeyValuePair<string, string>> parameters, RSA privateKey) =>
        Convert.ToBase64String(privateKey.SignData(
            Encoding.UTF8.GetBytes(SigningString(parameters, excludeSignType: false)), HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1));

    public static bool Verify(IReadOnlyDictionary<string, string> notification, RSA publicKey)
    {
        if (!notification.TryGetValue("sign", out string? sign) || string.IsNullOrEmpty(sign))
        {
            return false;
        }

        byte[] signature;
        try
        {
            signature = Convert.FromBase64String(sign);
        }
        catch (FormatException)
        {
            return false;
        }

        return publicKey.VerifyData(
            Encoding.UTF8.GetBytes(SigningString(notification, excludeSignType: true)), signature, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1);
    }
}
