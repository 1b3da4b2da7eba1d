using System.Buffers;
using System.Net;
using System.Net.Sockets;

namespace Warden.Core.Protection;

/// <summary>
/// The built-in recognisers, in one forward pass over a text. The pass jumps (vectorised) from one trigger character
/// to the next: a digit (identity numbers, phones, cards, passports, credit codes, IPv4), '@' (e-mail) or ':' (IPv6).
/// At a digit it takes the whole word around it ([A-Za-z0-9_]), so an id inside a longer token is never an id, and
/// each word is examined once; every candidate must then pass its class's validation (check digit, issuer range,
/// number plan, octet ranges) before it counts. Matches come out in any order and may overlap (a phone number as an
/// e-mail's local part); the detector sorts them and keeps the longest.
/// </summary>
internal static class BuiltInRecognisers
{
    private static readonly SearchValues<char> Triggers = SearchValues.Create("0123456789@:");

    private static readonly SearchValues<char> Digits = SearchValues.Create("0123456789");

    private static readonly SearchValues<char> AsciiLetters = SearchValues.Create("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz");

    private const int MaxGroups = 6;

    // A passport number without the CN E/G shape counts only with one of these words shortly before it.
    private const int PassportKeywordWindow = 32;

    private static readonly string[] PassportKeywords = ["passport", "护照"];

    public static void Find(ReadOnlySpan<char> text, List<PersonalDataMatch> matches)
    {
        int i = 0;
        while (i < text.Length)
        {
            int next = text[i..].IndexOfAny(Triggers);
            if (next < 0)
            {
                return;
            }

            i += next;
            i = text[i] switch
            {
                '@' => EmailAt(text, i, matches),
                ':' => Ipv6At(text, i, matches),
                _ => DigitsAt(text, i, matches),
            };
        }
    }

    private static bool IsWordChar(char c) => char.IsAsciiLetterOrDigit(c) || c == '_';

    private static int DigitsAt(ReadOnlySpan<char> text, int i, List<PersonalDataMatch> matches)
    {
        int start = i;
        while (start > 0 && IsWordChar(text[start - 1]))
        {
            start--;
        }

        int end = i + 1;
        while (end < text.Length && IsWordChar(text[end]))
        {
            end++;
        }

        var word = text[start..end];
        if (word.ContainsAnyExcept(Digits))
        {
            AlphanumericWord(text, start, end, matches);
            return end;
        }

        if (start > 0 && text[start - 1] == '.')
        {
            // A fraction or a member access ("x.123"), or the tail of a dotted run already passed.
            return end;
        }

        if (end + 1 < text.Length && text[end] == '.' && char.IsAsciiDigit(text[end + 1]))
        {
            return DottedAt(text, start, matches);
        }

        return NumberGroupsAt(text, start, end, matches);
    }

    private static void AlphanumericWord(ReadOnlySpan<char> text, int start, int end, List<PersonalDataMatch> matches)
    {
        var word = text[start..end];
        if (word.Length == ResidentIdentityNumber.Length)
        {
            if (ResidentIdentityNumber.IsValid(word))
            {
                matches.Add(new PersonalDataMatch(PersonalDataClass.CnId, start, word.Length));
            }
            else if (SocialCreditCode.IsValid(word))
            {
                matches.Add(new PersonalDataMatch(PersonalDataClass.Uscc, start, word.Length));
            }

            return;
        }

        if (IsPassport(text, start, word))
        {
            matches.Add(new PersonalDataMatch(PersonalDataClass.Passport, start, word.Length));
        }
    }

    // Mainland ordinary passports: E or G and 8 digits, or E, a letter (not I or O) and 7 digits, upper case. Other
    // countries' numbers (1-2 letters and 6-9 digits) are too like product codes and ids to count without the word
    // "passport" (or 护照) in the 32 characters before.
    private static bool IsPassport(ReadOnlySpan<char> text, int start, ReadOnlySpan<char> word)
    {
        if (word.Length == 9 && word[0] is 'E' or 'G' && !word[1..].ContainsAnyExcept(Digits))
        {
            return true;
        }

        if (word.Length == 9 && word[0] == 'E' && char.IsAsciiLetterUpper(word[1]) && word[1] is not ('I' or 'O') && !word[2..].ContainsAnyExcept(Digits))
        {
            return true;
        }

        int letters = 0;
        while (letters < word.Length && char.IsAsciiLetterUpper(word[letters]))
        {
            letters++;
        }

        int digits = word.Length - letters;
        if (letters is < 1 or > 2 || digits is < 6 or > 9 || word[letters..].ContainsAnyExcept(Digits))
        {
            return false;
        }

        var before = text[Math.Max(0, start - PassportKeywordWindow)..start];
        foreach (string keyword in PassportKeywords)
        {
            if (before.Contains(keyword, StringComparison.OrdinalIgnoreCase))
            {
                return true;
            }
        }

        return false;
    }

    // A run of digits and dots from a digit word followed by ".digit": an IPv4 address when it is exactly four
    // octets, bounded on both sides; version numbers and decimals are skipped whole.
    private static int DottedAt(ReadOnlySpan<char> text, int start, List<PersonalDataMatch> matches)
    {
        Span<int> octets = stackalloc int[4];
        int parts = 0;
        bool plausible = true;
        int end = start;
        while (true)
        {
            int partStart = end;
            while (end < text.Length && char.IsAsciiDigit(text[end]))
            {
                end++;
            }

            int length = end - partStart;
            if (length is 0 or > 3 || (length > 1 && text[partStart] == '0'))
            {
                plausible = false;
            }
            else if (parts < 4)
            {
                octets[parts] = int.Parse(text[partStart..end], provider: System.Globalization.CultureInfo.InvariantCulture);
            }

            parts++;
            if (end + 1 < text.Length && text[end] == '.' && char.IsAsciiDigit(text[end + 1]))
            {
                end++;
                continue;
            }

            break;
        }

        if (end < text.Length && IsWordChar(text[end]))
        {
            // "1.2.3a", "1.2.3.4abc": not an address; skip the rest of the word too.
            while (end < text.Length && IsWordChar(text[end]))
            {
                end++;
            }

            return end;
        }

        bool bounded = start == 0 || !(IsWordChar(text[start - 1]) || text[start - 1] is '.' or '-');
        // "10.0.0.0/8" names a range, not a host.
        bool range = end + 1 < text.Length && text[end] == '/' && char.IsAsciiDigit(text[end + 1]);
        if (plausible && parts == 4 && bounded && !range
            && octets[0] <= 255 && octets[1] <= 255 && octets[2] <= 255 && octets[3] <= 255
            && IpAddressCheck.CountsV4((byte)octets[0], (byte)octets[1], (byte)octets[2]))
        {
            matches.Add(new PersonalDataMatch(PersonalDataClass.Ip, start, end - start));
        }

        return end;
    }

    // Digit groups joined by single spaces or hyphens ("138 1234 5678", "6222-0212-3456-7890", "(010) 1234 5678"),
    // optionally after '+' or '('. Every run of consecutive groups is tried, longest first, so two numbers written
    // side by side are found apart.
    private static int NumberGroupsAt(ReadOnlySpan<char> text, int start, int end, List<PersonalDataMatch> matches)
    {
        Span<int> starts = stackalloc int[MaxGroups];
        Span<int> ends = stackalloc int[MaxGroups];
        starts[0] = start;
        ends[0] = end;
        int count = 1;
        bool plus = start > 0 && text[start - 1] == '+' && (start < 2 || !IsWordChar(text[start - 2]));
        bool paren = start > 0 && text[start - 1] == '(';
        int position = end;
        while (count < MaxGroups && position < text.Length)
        {
            int next = position;
            if (count == 1 && paren && text[next] == ')')
            {
                next++;
                if (next < text.Length && text[next] is ' ' or '-')
                {
                    next++;
                }
            }
            else if (text[next] is ' ' or '-')
            {
                next++;
            }
            else
            {
                break;
            }

            if (next >= text.Length || !char.IsAsciiDigit(text[next]))
            {
                break;
            }

            int groupEnd = next;
            while (groupEnd < text.Length && char.IsAsciiDigit(text[groupEnd]))
            {
                groupEnd++;
            }

            if (groupEnd < text.Length && (IsWordChar(text[groupEnd]) || (text[groupEnd] == '.' && groupEnd + 1 < text.Length && char.IsAsciiDigit(text[groupEnd + 1]))))
            {
                break;
            }

            starts[count] = next;
            ends[count] = groupEnd;
            count++;
            position = groupEnd;
        }

        // A paren only opens an area code when the first group is one and is closed right after it.
        paren = paren && count > 1 && text[ends[0]] == ')';
        int first = 0;
        while (first < count)
        {
            int matched = 0;
            for (int last = count; last > first; last--)
            {
                bool withPlus = plus && first == 0;
                bool withParen = paren && first == 0;
                if (Classify(text, starts[first..last], ends[first..last], withPlus, withParen) is { } kind)
                {
                    int matchStart = starts[first] - (withPlus || withParen ? 1 : 0);
                    matches.Add(new PersonalDataMatch(kind, matchStart, ends[last - 1] - matchStart));
                    matched = last;
                    break;
                }
            }

            first = matched > 0 ? matched : first + 1;
        }

        return ends[count - 1];
    }

    private static PersonalDataClass? Classify(ReadOnlySpan<char> text, ReadOnlySpan<int> starts, ReadOnlySpan<int> ends, bool plus, bool paren)
    {
        int groups = starts.Length;
        int total = 0;
        for (int g = 0; g < groups; g++)
        {
            total += ends[g] - starts[g];
        }

        if (total is < 7 or > BankCardNumber.MaxLength)
        {
            return null;
        }

        Span<char> digits = stackalloc char[total];
        int length = 0;
        Span<int> sizes = stackalloc int[groups];
        for (int g = 0; g < groups; g++)
        {
            text[starts[g]..ends[g]].CopyTo(digits[length..]);
            sizes[g] = ends[g] - starts[g];
            length += sizes[g];
        }

        if (plus)
        {
            return PhoneNumberCheck.IsValidInternational(digits) ? PersonalDataClass.Phone : null;
        }

        if (total == ResidentIdentityNumber.Length && (groups == 1 || sizes.SequenceEqual([6, 8, 4])) && ResidentIdentityNumber.IsValid(digits))
        {
            return PersonalDataClass.CnId;
        }

        if (!paren && PhoneNumberCheck.IsMainlandMobileShape(digits)
            && (groups == 1 || sizes.SequenceEqual([3, 4, 4]) || sizes.SequenceEqual([3, 8]))
            && PhoneNumberCheck.IsValidMainlandMobile(digits))
        {
            return PersonalDataClass.Phone;
        }

        // A landline needs its area code set apart ("010-12345678", "(0755) 1234 5678"): a bare 0-led run is too
        // common in data to count.
        if (digits[0] == '0' && groups >= 2 && sizes[0] is 3 or 4 && total is >= 10 and <= 12 && PhoneNumberCheck.IsValidMainland(digits))
        {
            return PersonalDataClass.Phone;
        }

        if (!paren && total >= BankCardNumber.MinLength && IsCardGrouping(sizes) && BankCardNumber.IsValid(digits))
        {
            return PersonalDataClass.BankCard;
        }

        return null;
    }

    // One group, groups of four with a shorter last one (19-digit cards print as 4-4-4-4-3), or American Express's 4-6-5.
    private static bool IsCardGrouping(ReadOnlySpan<int> sizes)
    {
        if (sizes.Length == 1 || sizes.SequenceEqual([4, 6, 5]))
        {
            return true;
        }

        for (int g = 0; g < sizes.Length - 1; g++)
        {
            if (sizes[g] != 4)
            {
                return false;
            }
        }

        return sizes[^1] is >= 1 and <= 4;
    }

    private static bool IsLocalChar(char c) => char.IsAsciiLetterOrDigit(c) || c is '.' or '_' or '%' or '+' or '-';

    // RFC 5321 addresses with an ASCII local part and a domain of at least two labels ending in a letters-only top
    // level. Not counted: "user@host:path" (an scp/git remote such as git@github.com:org/repo) and userinfo in a URL
    // ("https://token@host"), which name machines and credentials rather than people.
    private static int EmailAt(ReadOnlySpan<char> text, int at, List<PersonalDataMatch> matches)
    {
        int localStart = at;
        while (localStart > 0 && IsLocalChar(text[localStart - 1]) && at - localStart <= 64)
        {
            localStart--;
        }

        if (localStart > 0 && IsLocalChar(text[localStart - 1]))
        {
            return at + 1;
        }

        while (localStart < at && text[localStart] is '.' or '+' or '-' or '%')
        {
            localStart++;
        }

        if (localStart == at || text[at - 1] == '.' || (localStart > 0 && text[localStart - 1] is '/' or '@'))
        {
            return at + 1;
        }

        int position = at + 1;
        int labels = 0;
        int lastStart = 0;
        int domainEnd = 0;
        while (true)
        {
            int labelStart = position;
            while (position < text.Length && (char.IsAsciiLetterOrDigit(text[position]) || text[position] == '-'))
            {
                position++;
            }

            int length = position - labelStart;
            if (length is 0 or > 63 || text[labelStart] == '-' || text[position - 1] == '-')
            {
                return at + 1;
            }

            labels++;
            lastStart = labelStart;
            domainEnd = position;
            if (position + 1 < text.Length && text[position] == '.' && char.IsAsciiLetterOrDigit(text[position + 1]))
            {
                position++;
                continue;
            }

            break;
        }

        var topLevel = text[lastStart..domainEnd];
        if (labels < 2 || topLevel.Length is < 2 or > 24 || topLevel.ContainsAnyExcept(AsciiLetters))
        {
            return at + 1;
        }

        if (domainEnd < text.Length && (IsWordChar(text[domainEnd]) || text[domainEnd] == '@'
            || (text[domainEnd] == ':' && domainEnd + 1 < text.Length && !char.IsWhiteSpace(text[domainEnd + 1]))))
        {
            return at + 1;
        }

        matches.Add(new PersonalDataMatch(PersonalDataClass.Email, localStart, domainEnd - localStart));
        return domainEnd;
    }

    private static bool IsHex(char c) => char.IsAsciiHexDigit(c);

    // A run of hex digits, colons and dots around a colon, parsed by IPAddress. Needs at least five hex digits or
    // three groups, so "a::b"-like code does not count; "std::map" fails the word boundary.
    private static int Ipv6At(ReadOnlySpan<char> text, int colon, List<PersonalDataMatch> matches)
    {
        bool before = colon > 0 && IsHex(text[colon - 1]);
        bool doubled = colon + 1 < text.Length && text[colon + 1] == ':';
        if (!before && !doubled)
        {
            return colon + 1;
        }

        int start = colon;
        while (start > 0 && (IsHex(text[start - 1]) || text[start - 1] == ':') && colon - start < 45)
        {
            start--;
        }

        int end = colon + 1;
        while (end < text.Length && (IsHex(text[end]) || text[end] is ':' or '.') && end - start < 46)
        {
            end++;
        }

        while (end > colon + 1 && text[end - 1] is '.' or ':')
        {
            end--;
        }

        if ((start > 0 && (IsWordChar(text[start - 1]) || text[start - 1] == '.')) || (end < text.Length && IsWordChar(text[end])))
        {
            return colon + 1;
        }

        var run = text[start..end];
        int hex = 0;
        int colons = 0;
        foreach (char c in run)
        {
            if (c == ':')
            {
                colons++;
            }
            else if (IsHex(c))
            {
                hex++;
            }
        }

        if (colons < 2 || (hex < 5 && colons < 3)
            || !IPAddress.TryParse(run, out var address) || address.AddressFamily != AddressFamily.InterNetworkV6)
        {
            return colon + 1;
        }

        if (IpAddressCheck.CountsV6(address))
        {
            matches.Add(new PersonalDataMatch(PersonalDataClass.Ip, start, end - start));
        }

        return end;
    }
}
