namespace Warden.Core.Protection;

/// <summary>
/// Payment card numbers: a known issuer range with its lengths, and the Luhn check (ISO/IEC 7812). Ranges: UnionPay 62
/// (16-19 digits), Visa 4 (13, 16, 19), Mastercard 51-55 and 2221-2720 (16), American Express 34 and 37 (15), JCB
/// 3528-3589 (16-19). Other networks (Discover, Diners) and the few UnionPay debit cards without a Luhn digit are
/// not recognised.
/// </summary>
internal static class BankCardNumber
{
    public const int MinLength = 13;

    public const int MaxLength = 19;

    /// <param name="digits">ASCII digits only, separators removed.</param>
    public static bool IsValid(ReadOnlySpan<char> digits)
    {
        int length = digits.Length;
        if (length is < MinLength or > MaxLength)
        {
            return false;
        }

        int two = ((digits[0] - '0') * 10) + (digits[1] - '0');
        int four = (two * 100) + ((digits[2] - '0') * 10) + (digits[3] - '0');
        bool issuer = digits[0] switch
        {
            '4' => length is 13 or 16 or 19,
            '5' => two is >= 51 and <= 55 && length == 16,
            '2' => four is >= 2221 and <= 2720 && length == 16,
            '3' => (two is 34 or 37 && length == 15) || (four is >= 3528 and <= 3589 && length >= 16),
            '6' => two == 62 && length >= 16,
            _ => false,
        };
        return issuer && PassesLuhn(digits);
    }

    public static bool PassesLuhn(ReadOnlySpan<char> digits)
    {
        int sum = 0;
        bool doubled = false;
        for (int i = digits.Length - 1; i >= 0; i--)
        {
            int d = digits[i] - '0';
            if (doubled)
            {
                d *= 2;
                if (d > 9)
                {
                    d -= 9;
                }
            }

            sum += d;
            doubled = !doubled;
        }

        return sum % 10 == 0;
    }
}
