using Warden.Core.Protection;

namespace Warden.Core.Tests.Protection;

public sealed class CustomPatternTests
{
    [Theory]
    [InlineData("emp", "EMP-[0-9]{6}", true)]
    [InlineData("Bad Name", "x", false)]
    [InlineData("look", "(?<=a)b", false)] // needs backtracking: NonBacktracking refuses it
    [InlineData("backref", "(a)\\1", false)]
    [InlineData("empty", "a*", false)] // matches the empty text
    [InlineData("broken", "([a-z", false)]
    public void TryCreate_Pattern_AcceptedOnlyWhenSafe(string name, string pattern, bool accepted)
    {
        bool created = PersonalDataDetector.TryCreate(new PersonalDataDetectorOptions { CustomPatterns = [new(name, pattern)] }, out var detector, out string? error);

        Assert.Equal(accepted, created);
        Assert.Equal(accepted, detector is not null);
        Assert.Equal(accepted, error is null);
    }

    [Fact]
    public void TryCreate_TooManyOrDuplicate_Refused()
    {
        var many = Enumerable.Range(0, PersonalDataDetectorOptions.MaxCustomPatterns + 1).Select(i => new CustomPersonalDataPattern("p" + i, "x" + i)).ToList();
        Assert.False(PersonalDataDetector.TryCreate(new PersonalDataDetectorOptions { CustomPatterns = many }, out _, out _));
        Assert.False(PersonalDataDetector.TryCreate(new PersonalDataDetectorOptions { CustomPatterns = [new("a", "x"), new("a", "y")] }, out _, out _));
        Assert.False(PersonalDataDetector.TryCreate(new PersonalDataDetectorOptions { CustomPatterns = [new("long", new string('x', PersonalDataDetectorOptions.MaxPatternLength + 1))] }, out _, out _));
    }

    [Fact]
    public void Find_CustomAndBuiltIn_InOrderWithoutOverlap()
    {
        var detector = new PersonalDataDetector(new PersonalDataDetectorOptions { CustomPatterns = [new("emp", "EMP-[0-9]{6}"), new("digits", "[0-9]{11}")] });
        const string text = "EMP-123456 called 13812345678";

        var found = detector.Find(text);

        Assert.Equal(
            [("custom:emp", "EMP-123456"), ("phone", "13812345678")],
            found.Select(m => (m.Class.Name, text.Substring(m.Start, m.Length))).ToList());
        Assert.True(PersonalDataClass.TryParse("custom:emp", out var parsed) && parsed == PersonalDataClass.Custom("emp"));
    }

    [Fact]
    public void Scan_PatternTimesOut_CountsNotInspected()
    {
        // A one-tick timeout on a long text: NonBacktracking checks the timeout as it goes, so this text is not
        // fully inspected, and the scan says so instead of reporting it clean.
        var detector = new PersonalDataDetector(new PersonalDataDetectorOptions
        {
            CustomPatterns = [new("slow", "(a|b|c|d|e)*z[0-9]{40}")],
            PatternTimeout = TimeSpan.FromTicks(1),
        });
        var request = new Warden.Core.Canonical.CanonicalRequest { Origin = Warden.Core.Canonical.WireDialectName.OpenAIChat, Model = "m" };
        request.Messages.Add(new Warden.Core.Canonical.Message(Warden.Core.Canonical.MessageRole.User, [new Warden.Core.Canonical.TextBlock(new string('a', 2_000_000))]));

        var scan = detector.Scan(request);

        Assert.Equal(1, scan.NotInspected);
    }
}
