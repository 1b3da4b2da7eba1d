using System.Buffers;
using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Microsoft.AspNetCore.WebUtilities;

namespace Warden.Server.Payments;

/// <summary>
/// An Alipay-style provider signed with RSA2. An order becomes the signed parameters of <c>alipay.trade.page.pay</c> for
/// the payer's browser to post to the gateway (Warden makes no call); Alipay then posts a form-encoded asynchronous
/// notification, verified with Alipay's public key and checked for this app's id and a paid trade status
/// (<c>TRADE_SUCCESS</c> or <c>TRADE_FINISHED</c>). Its <c>trade_no</c> is the event id: the two statuses of one
/// trade credit once.
/// </summary>
internal sealed class AlipayProvider : IPaymentProvider, IDisposable
{
    public const string ProviderName = "alipay";

    // Alipay's timestamps are Beijing time.
    private static readonly TimeSpan Beijing = TimeSpan.FromHours(8);

    private readonly AlipayOptions _options;
    private readonly TimeProvider _time;
    private readonly RSA _appKey = RSA.Create();
    private readonly RSA _alipayKey = RSA.Create();

    public AlipayProvider(AlipayOptions options, TimeProvider time)
    {
        _options = options;
        _time = time;
        _appKey.ImportFromPem(options.AppPrivateKeyPem);
        _alipayKey.ImportFromPem(options.AlipayPublicKeyPem);
    }

    public string Name => ProviderName;

    public string Currency => _options.Currency;

    public string ProviderCurrency => _options.Currency;

    public long MicrosPerMinorUnit => _options.MicrosPerMinorUnit;

    public Task<CheckoutResult> CreateCheckoutAsync(PaymentOrder order, CancellationToken cancellationToken)
    {
        var biz = new ArrayBufferWriter<byte>();
        using (var writer = new Utf8JsonWriter(biz))
        {
            writer.WriteStartObject();
            writer.WriteString("out_trade_no", order.Id);
            writer.WriteString("total_amount", FormatYuan(order.AmountMinor));
            writer.WriteString("subject", "Warden credit");
            writer.WriteString("product_code", "FAST_INSTANT_TRADE_PAY");
            writer.WriteEndObject();
        }

        var parameters = new SortedDictionary<string, string>(StringComparer.Ordinal)
        {
            ["app_id"] = _options.AppId,
            ["method"] = "alipay.trade.page.pay",
            ["format"] = "JSON",
            ["charset"] = "utf-8",
            ["sign_type"] = "RSA2",
            ["timestamp"] = _time.GetUtcNow().ToOffset(Beijing).ToString("yyyy-MM-dd HH:mm:ss", CultureInfo.InvariantCulture),
            ["version"] = "1.0",
            ["biz_content"] = Encoding.UTF8.GetString(biz.WrittenSpan),
        };
        if (_options.NotifyUrl is { } notifyUrl)
        {
            parameters["notify_url"] = notifyUrl;
        }

        parameters["sign"] = AlipaySignature.Sign(parameters, _appKey);
        return Task.FromResult(new CheckoutResult(null, _options.GatewayUrl, parameters, null));
    }

    public PaymentVerdict Verify(PaymentNotification notification)
    {
        Dictionary<string, string> form = new(StringComparer.Ordinal);
        foreach (var (name, values) in QueryHelpers.ParseQuery(Encoding.UTF8.GetString(notification.Body)))
        {
            if (values.Count != 1)
            {
                return PaymentVerdict.Rejected("a parameter appears more than once");
            }

            form[name] = values[0] ?? "";
        }

        if (!form.TryGetValue("sign_type", out string? signType) || signType != "RSA2")
        {
            return PaymentVerdict.Rejected("sign_type is not RSA2");
        }

        if (!AlipaySignature.Verify(form, _alipayKey))
        {
            return PaymentVerdict.Rejected("signature does not match");
        }

        if (!form.TryGetValue("app_id", out string? appId) || appId != _options.AppId)
        {
            return PaymentVerdict.Rejected("app_id is not this app's");
        }

        if (!form.TryGetValue("trade_status", out string? status) || status is not ("TRADE_SUCCESS" or "TRADE_FINISHED"))
        {
            return PaymentVerdict.Ignored("trade not paid");
        }

        if (!form.TryGetValue("out_trade_no", out string? orderId) || string.IsNullOrEmpty(orderId)
            || !form.TryGetValue("trade_no", out string? tradeNo) || string.IsNullOrEmpty(tradeNo))
        {
            return PaymentVerdict.Rejected("notification without out_trade_no or trade_no");
        }

        if (!form.TryGetValue("total_amount", out string? total) || ParseYuan(total) is not { } minor)
        {
            return PaymentVerdict.Rejected("total_amount is not an amount in yuan");
        }

        return new PaymentVerdict(PaymentVerdictKind.Paid, "paid", orderId, tradeNo, tradeNo, minor, _options.Currency);
    }

    public void Dispose()
    {
        _appKey.Dispose();
        _alipayKey.Dispose();
    }

    /// <summary>Fen as yuan with two decimals, the form of <c>total_amount</c>.</summary>
    public static string FormatYuan(long fen) =>
        (fen / 100).ToString(CultureInfo.InvariantCulture) + "." + (fen % 100).ToString("D2", CultureInfo.InvariantCulture);

    /// <summary>Yuan with at most two decimals as fen, exactly; anything else (a sign, an exponent, a third decimal) is null.</summary>
    public static long? ParseYuan(string text)
    {
        int dot = text.IndexOf('.', StringComparison.Ordinal);
        string whole = dot < 0 ? text : text[..dot];
        string fraction = dot < 0 ? "" : text[(dot + 1)..];
        if (whole.Length is 0 or > 12 || fraction.Length > 2 || (dot >= 0 && fraction.Length == 0)
            || !whole.All(char.IsAsciiDigit) || !fraction.All(char.IsAsciiDigit))
        {
            return null;
        }

        return (long.Parse(whole, CultureInfo.InvariantCulture) * 100) + (fraction.Length == 0 ? 0 : long.Parse(fraction.PadRight(2, '0'), CultureInfo.InvariantCulture));
    }
}
