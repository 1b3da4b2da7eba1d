using System.Collections.Frozen;
using System.Globalization;
using Microsoft.Extensions.Localization;

namespace Warden.Server.Console;

/// <summary>
/// Every string the console shows, in the request's language (<see cref="ConsoleLanguage"/>). The tables are C#
/// (<see cref="EnglishText"/>, <see cref="ChineseText"/>) rather than resx: the server runs with invariant globalization,
/// where satellite-assembly lookup by culture does not work, and a test checks the two tables have the same keys.
/// A missing key shows as the key itself, so a gap is visible and caught by the tests rather than falling back to English.
/// </summary>
internal sealed class ConsoleText(IHttpContextAccessor accessor) : IStringLocalizer
{
    public const string LanguageItem = "warden.console.language";

    public string Language => accessor.HttpContext?.Items[LanguageItem] as string ?? ConsoleLanguage.English;

    public LocalizedString this[string name]
    {
        get
        {
            bool found = Table(Language).TryGetValue(name, out string? value);
            return new LocalizedString(name, value ?? name, resourceNotFound: !found);
        }
    }

    public LocalizedString this[string name, params object[] arguments]
    {
        get
        {
            var text = this[name];
            return new LocalizedString(name, string.Format(CultureInfo.InvariantCulture, text.Value, arguments), text.ResourceNotFound);
        }
    }

    public IEnumerable<LocalizedString> GetAllStrings(bool includeParentCultures) =>
        Table(Language).Select(p => new LocalizedString(p.Key, p.Value));

    public static FrozenDictionary<string, string> Table(string language) =>
        language == ConsoleLanguage.SimplifiedChinese ? ChineseText.Strings : EnglishText.Strings;
}
