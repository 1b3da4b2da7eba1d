using Warden.Server.Console;

namespace Warden.Server.Tests.Console;

/// <summary>The two string tables: the same keys, no empty string, placeholders kept.</summary>
public sealed class ConsoleTextTests
{
    [Fact]
    public void Tables_HaveTheSameKeys()
    {
        Assert.Equal(EnglishText.Strings.Keys.Order(StringComparer.Ordinal), ChineseText.Strings.Keys.Order(StringComparer.Ordinal));
    }

    [Fact]
    public void Tables_KeepEveryPlaceholder_AndHaveNoEmptyString()
    {
        foreach (var (key, english) in EnglishText.Strings)
        {
            string chinese = ChineseText.Strings[key];
            Assert.False(string.IsNullOrWhiteSpace(english), key);
            Assert.False(string.IsNullOrWhiteSpace(chinese), key);
            for (int i = 0; i < 4; i++)
            {
                string placeholder = "{" + i + "}";
                Assert.True(english.Contains(placeholder, StringComparison.Ordinal) == chinese.Contains(placeholder, StringComparison.Ordinal), $"{key} {placeholder}");
            }
        }
    }
}
