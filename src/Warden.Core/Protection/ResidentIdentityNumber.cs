namespace Warden.Core.Protection;

/// <summary>
/// Mainland resident identity numbers (GB 11643-1999): six digits of region, eight of birth date (YYYYMMDD), three
/// of sequence and an ISO 7064 MOD 11-2 check character (0-9 or X). The 15-digit first-generation numbers (no check
/// character) are not recognised: without a check they cannot be told from other 15-digit numbers.
/// </summary>
internal static class ResidentIdentityNumber
{
    public const int Length = 18;

    // Weights 2^(17-i) mod 11 and the check character for each remainder, from GB 11643.
    private static ReadOnlySpan<byte> Weights => [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2];

    private const string CheckCharacters = "10X98765432";

    public static bool IsValid(ReadOnlySpan<char> value)
    {
        if (value.Length != Length)
        {
            return false;
        }

        int sum = 0;
        for (int i = 0; i < Length - 1; i++)
        {
            char c = value[i];
            if (!char.IsAsciiDigit(c))
            {
                return false;
            }

            sum += (c - '0') * Weights[i];
        }

        char check = value[Length - 1] == 'x' ? 'X' : value[Length - 1];
        return check == CheckCharacters[sum % 11]
            && IsProvince(((value[0] - '0') * 10) + (value[1] - '0'))
            && IsBirthDate(value.Slice(6, 8));
    }

    /// <summary>The first two digits of GB/T 2260 region codes in use, plus 83 (residence permits of Taiwan residents) and 91 (permanent residence of foreigners, 2023 format).</summary>
    public static bool IsProvince(int code) => code is (>= 11 and <= 15) or (>= 21 and <= 23) or (>= 31 and <= 37) or (>= 41 and <= 46)
        or (>= 50 and <= 54) or (>= 61 and <= 65) or 71 or 81 or 82 or 83 or 91;

    // A plausible calendar date; the window is fixed (not "not in the future") so the result does not depend on a clock.
    private static bool IsBirthDate(ReadOnlySpan<char> yyyymmdd)
    {
        int year = int.Parse(yyyymmdd[..4], provider: System.Globalization.CultureInfo.InvariantCulture);
        int month = ((yyyymmdd[4] - '0') * 10) + (yyyymmdd[5] - '0');
        int day = ((yyyymmdd[6] - '0') * 10) + (yyyymmdd[7] - '0');
        return year is >= 1880 and <= 2100 && month is >= 1 and <= 12 && day >= 1 && day <= DateTime.DaysInMonth(year, month);
    }
}
