using PhoneNumbers;

namespace Warden.Core.Protection;

/// <summary>
/// Validates phone-number candidates with libphonenumber's metadata (number ranges in use per country). It is only
/// asked about the few digit groups the scanner's shape rules let through, never to search a text: its matcher is
/// far slower than the budget of 50 µs per 10 KB.
/// </summary>
internal static class PhoneNumberCheck
{
    private static readonly PhoneNumberUtil Util = PhoneNumberUtil.GetInstance();

    /// <summary>An international number written with a leading '+': <paramref name="digits"/> are the digits after it.</summary>
    public static bool IsValidInternational(ReadOnlySpan<char> digits)
    {
        if (digits.Length is < 7 or > 15)
        {
            return false;
        }

        return TryParse(string.Concat("+", digits), null, out var number) && Util.IsValidNumber(number);
    }

    /// <summary>A mainland number written nationally (mobile 1xx xxxx xxxx, landline 0 + area code + subscriber).</summary>
    public static bool IsValidMainland(ReadOnlySpan<char> digits)
    {
        return TryParse(digits.ToString(), "CN", out var number) && Util.IsValidNumberForRegion(number, "CN");
    }

    /// <summary>Whether a mainland national number has a mobile number's shape (11 digits, 13x to 19x).</summary>
    public static bool IsMainlandMobileShape(ReadOnlySpan<char> digits) => digits.Length == 11 && digits[0] == '1' && digits[1] is >= '3' and <= '9';

    /// <summary>
    /// Whether an 11-digit number of mobile shape is in a mainland mobile range in use. Asking libphonenumber costs
    /// a few microseconds a number (text with many numbers blew the budget of 50 µs per 10 KB), so its answer is
    /// taken once per five-digit prefix (13000-19999, the resolution at which its CN mobile plan is written) into a
    /// table on first use.
    /// </summary>
    public static bool IsValidMainlandMobile(ReadOnlySpan<char> digits)
    {
        if (!IsMainlandMobileShape(digits))
        {
            return false;
        }

        int prefix = int.Parse(digits[..5], provider: System.Globalization.CultureInfo.InvariantCulture);
        return MobilePrefixes.Value[prefix - FirstMobilePrefix];
    }

    private const int FirstMobilePrefix = 13000;

    private static readonly Lazy<bool[]> MobilePrefixes = new(() =>
    {
        var valid = new bool[20000 - FirstMobilePrefix];
        for (int i = 0; i < valid.Length; i++)
        {
            string number = (FirstMobilePrefix + i).ToString(System.Globalization.CultureInfo.InvariantCulture) + "123456";
            valid[i] = TryParse(number, "CN", out var parsed) && Util.IsValidNumberForRegion(parsed, "CN") && Util.GetNumberType(parsed) is PhoneNumberType.MOBILE or PhoneNumberType.FIXED_LINE_OR_MOBILE;
        }

        return valid;
    });

    private static bool TryParse(string text, string? region, out PhoneNumber number)
    {
        try
        {
            number = Util.Parse(text, region);
            return true;
        }
        catch (NumberParseException)
        {
            // The library reports unparseable input by exception; here that is an expected "not a number".
            number = null!;
            return false;
        }
    }
}
