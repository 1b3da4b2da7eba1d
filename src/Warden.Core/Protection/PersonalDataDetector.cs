using System.Diagnostics.CodeAnalysis;
using System.Text;
using System.Text.RegularExpressions;
using Warden.Core.Canonical;

namespace Warden.Core.Protection;

/// <summary>
/// Finds personal data in texts and requests: the built-in recognisers (each with its validation, see
/// <see cref="BuiltInRecognisers"/>) and the operator's patterns. Immutable and thread-safe: build one per
/// configuration and share it.
/// </summary>
public sealed class PersonalDataDetector
{
    private readonly (PersonalDataClass Class, Regex Regex)[] _patterns;

    /// <summary>Builds a detector; throws <see cref="ArgumentException"/> for options <see cref="TryCreate"/> would refuse.</summary>
    public PersonalDataDetector(PersonalDataDetectorOptions options)
    {
        if (!TryBuild(options, out var patterns, out string? error))
        {
            throw new ArgumentException(error, nameof(options));
        }

        _patterns = patterns;
    }

    private PersonalDataDetector((PersonalDataClass, Regex)[] patterns) => _patterns = patterns;

    /// <summary>The built-in recognisers only.</summary>
    public static PersonalDataDetector Default { get; } = new(new PersonalDataDetectorOptions());

    /// <summary>
    /// Builds a detector, or says why not: too many patterns, a pattern too long, an invalid or duplicate name, a
    /// pattern that does not parse or needs backtracking (look-arounds, back-references), or one that matches the
    /// empty text.
    /// </summary>
    public static bool TryCreate(PersonalDataDetectorOptions options, [NotNullWhen(true)] out PersonalDataDetector? detector, [NotNullWhen(false)] out string? error)
    {
        detector = TryBuild(options, out var patterns, out error) ? new PersonalDataDetector(patterns) : null;
        return detector is not null;
    }

    /// <summary>The values in <paramref name="text"/>, in order, without overlaps (of two overlapping, the longer stays).</summary>
    public IReadOnlyList<PersonalDataMatch> Find(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        var matches = new List<PersonalDataMatch>();
        FindInto(text, matches);
        return matches;
    }

    /// <summary>Counts the values in every text of <paramref name="request"/>; the request is not changed.</summary>
    public PersonalDataScan Scan(CanonicalRequest request)
    {
        ArgumentNullException.ThrowIfNull(request);
        var visitor = new ScanVisitor(this);
        RequestTextWalker.Walk(request, visitor);
        return visitor.Result();
    }

    /// <summary>
    /// Replaces every value in <paramref name="request"/> IN PLACE by its placeholder, derived from
    /// <paramref name="conversationKey"/> so that the same value gets the same placeholder in every turn of a
    /// conversation masked with the same key. Tool-call arguments stay valid JSON (a number that is a value becomes
    /// a string holding its placeholder).
    /// </summary>
    public PersonalDataMasking Mask(CanonicalRequest request, ReadOnlySpan<byte> conversationKey)
    {
        ArgumentNullException.ThrowIfNull(request);
        var visitor = new MaskVisitor(this, conversationKey.ToArray());
        RequestTextWalker.Walk(request, visitor);
        return new PersonalDataMasking(request, visitor.Result(), visitor.Map);
    }

    /// <summary>Adds the values of <paramref name="text"/> to <paramref name="matches"/> (cleared first); false when an operator pattern timed out.</summary>
    internal bool FindInto(ReadOnlySpan<char> text, List<PersonalDataMatch> matches)
    {
        matches.Clear();
        BuiltInRecognisers.Find(text, matches);
        bool complete = true;
        foreach (var (kind, regex) in _patterns)
        {
            try
            {
                foreach (var match in regex.EnumerateMatches(text))
                {
                    if (match.Length > 0)
                    {
                        matches.Add(new PersonalDataMatch(kind, match.Index, match.Length));
                    }
                }
            }
            catch (RegexMatchTimeoutException)
            {
                complete = false;
            }
        }

        RemoveOverlaps(matches);
        return complete;
    }

    private static void RemoveOverlaps(List<PersonalDataMatch> matches)
    {
        if (matches.Count < 2)
        {
            return;
        }

        matches.Sort(static (a, b) => a.Start != b.Start ? a.Start.CompareTo(b.Start) : b.Length.CompareTo(a.Length));
        int kept = 0;
        for (int i = 1; i < matches.Count; i++)
        {
            var current = matches[i];
            var last = matches[kept];
            if (current.Start >= last.End)
            {
                matches[++kept] = current;
            }
            else if (current.Length > last.Length)
            {
                matches[kept] = current;
            }
        }

        matches.RemoveRange(kept + 1, matches.Count - kept - 1);
    }

    private static bool TryBuild(PersonalDataDetectorOptions options, out (PersonalDataClass, Regex)[] patterns, [NotNullWhen(false)] out string? error)
    {
        ArgumentNullException.ThrowIfNull(options);
        patterns = [];
        error = null;
        var custom = options.CustomPatterns;
        if (custom.Count > PersonalDataDetectorOptions.MaxCustomPatterns)
        {
            error = $"At most {PersonalDataDetectorOptions.MaxCustomPatterns} custom patterns.";
            return false;
        }

        if (options.PatternTimeout <= TimeSpan.Zero)
        {
            error = "The pattern timeout must be positive.";
            return false;
        }

        var built = new (PersonalDataClass, Regex)[custom.Count];
        var names = new HashSet<string>(StringComparer.Ordinal);
        for (int i = 0; i < custom.Count; i++)
        {
            var pattern = custom[i];
            if (!CustomPersonalDataPattern.IsValidName(pattern.Name) || !names.Add(pattern.Name))
            {
                error = $"Custom pattern '{pattern.Name}': the name must be unique and 1 to {CustomPersonalDataPattern.MaxNameLength} characters of a-z, 0-9, '_' and '-'.";
                return false;
            }

            if (string.IsNullOrEmpty(pattern.Pattern) || pattern.Pattern.Length > PersonalDataDetectorOptions.MaxPatternLength)
            {
                error = $"Custom pattern '{pattern.Name}': the pattern must be 1 to {PersonalDataDetectorOptions.MaxPatternLength} characters.";
                return false;
            }

            Regex regex;
            try
            {
                regex = new Regex(pattern.Pattern, RegexOptions.NonBacktracking | RegexOptions.CultureInvariant, options.PatternTimeout);
            }
            catch (ArgumentException exception)
            {
                error = $"Custom pattern '{pattern.Name}' is not a valid regular expression: {exception.Message}";
                return false;
            }
            catch (NotSupportedException exception)
            {
                // NonBacktracking refuses what would need backtracking; that is the point.
                error = $"Custom pattern '{pattern.Name}' uses a construct that needs backtracking: {exception.Message}";
                return false;
            }

            if (regex.IsMatch(""))
            {
                error = $"Custom pattern '{pattern.Name}' matches the empty text.";
                return false;
            }

            built[i] = (PersonalDataClass.Custom(pattern.Name), regex);
        }

        patterns = built;
        return true;
    }

    /// <summary>Counts per class, shared by scanning and masking.</summary>
    private abstract class CountingVisitor(PersonalDataDetector detector) : RequestTextVisitor
    {
        private readonly Dictionary<PersonalDataClass, int> _counts = [];

        protected List<PersonalDataMatch> Matches { get; } = [];

        public PersonalDataScan Result() => _counts.Count == 0 && NotInspected == 0 ? PersonalDataScan.Empty : new PersonalDataScan(_counts, NotInspected);

        /// <summary>Finds and counts the values of <paramref name="text"/> into <see cref="Matches"/>.</summary>
        protected void Detect(string text)
        {
            if (!detector.FindInto(text, Matches))
            {
                NotInspected++;
            }

            foreach (var match in Matches)
            {
                _counts[match.Class] = _counts.GetValueOrDefault(match.Class) + 1;
            }
        }

        protected bool IsWholeValue(string literal)
        {
            var matches = new List<PersonalDataMatch>(1);
            detector.FindInto(literal, matches);
            if (matches.Count == 1 && matches[0].Start == 0 && matches[0].Length == literal.Length)
            {
                Matches.Clear();
                Matches.Add(matches[0]);
                _counts[matches[0].Class] = _counts.GetValueOrDefault(matches[0].Class) + 1;
                return true;
            }

            return false;
        }
    }

    private sealed class ScanVisitor(PersonalDataDetector detector) : CountingVisitor(detector)
    {
        public override bool Rewrites => false;

        public override string Text(string text)
        {
            Detect(text);
            return text;
        }

        public override string? WholeNumber(string literal)
        {
            IsWholeValue(literal);
            return null;
        }
    }

    private sealed class MaskVisitor(PersonalDataDetector detector, byte[] key) : CountingVisitor(detector)
    {
        public PlaceholderMap Map { get; } = new();

        public override bool Rewrites => true;

        public override string Text(string text)
        {
            Detect(text);
            if (Matches.Count == 0)
            {
                return text;
            }

            var builder = new StringBuilder(text.Length + (Matches.Count * 16));
            int position = 0;
            foreach (var match in Matches)
            {
                builder.Append(text, position, match.Start - position);
                builder.Append(Map.PlaceholderFor(key, match.Class, text.Substring(match.Start, match.Length)));
                position = match.End;
            }

            return builder.Append(text, position, text.Length - position).ToString();
        }

        public override string? WholeNumber(string literal) => IsWholeValue(literal) ? Map.PlaceholderFor(key, Matches[0].Class, literal) : null;
    }
}
