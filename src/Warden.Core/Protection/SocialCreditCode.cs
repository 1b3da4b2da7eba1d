namespace Warden.Core.Protection;

/// <summary>
/// Unified social credit codes (GB 32100-2015): registering department (1 character), organisation category (1),
/// region (6 digits), organisation code (9) and a check character, all from a 31-character alphabet without I, O, S,
/// V and Z. The check is 31 minus the weighted sum modulo 31.
/// </summary>
internal static class SocialCreditCode
{
    public const int Length = 18;

    private const string Alphabet = "0123456789ABCDEFGHJKLMNPQRTUWXY";

    private static ReadOnlySpan<byte> Weights => [1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28];

    public static bool IsValid(ReadOnlySpan<char> value)
    {
        if (value.Length != Length
            // Registering departments 1-9, A-G and Y; categories are a digit or a letter of the alphabet.
            || !(value[0] is >= '1' and <= '9' or >= 'A' and <= 'G' or 'Y')
            || value[1] == '0')
        {
            return false;
        }

        for (int i = 2; i < 8; i++)
        {
            if (!char.IsAsciiDigit(value[i]))
            {
                return false;
            }
        }

        // The region: a GB/T 2260 province, or 10 for organisations registered at national level.
        int province = ((value[2] - '0') * 10) + (value[3] - '0');
        if (province != 10 && !ResidentIdentityNumber.IsProvince(province))
        {
            return false;
        }

        int sum = 0;
        for (int i = 0; i < Length - 1; i++)
        {
            int digit = Alphabet.IndexOf(value[i], StringComparison.Ordinal);
            if (digit < 0)
            {
                return false;
            }

            sum += digit * Weights[i];
        }

        int check = (31 - (sum % 31)) % 31;
        return value[Length - 1] == Alphabet[check];
    }
}
