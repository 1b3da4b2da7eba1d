using System.Text.Json;
using Warden.Core.Protection;
using Xunit.Abstractions;

namespace Warden.Core.Tests.Protection;

/// <summary>
/// Precision on real agent traffic: the requests real clients sent (shared/wire/requests, copied into WireSamples),
/// mostly code, tool schemas, file contents and ids, hold no identity number, card number or credit code, so the
/// checksummed recognisers must find none in them.
/// </summary>
public sealed class PrecisionTests(ITestOutputHelper output)
{
    private static readonly PersonalDataClass[] Checksummed = [PersonalDataClass.CnId, PersonalDataClass.BankCard, PersonalDataClass.Uscc];

    public static TheoryData<string> Samples()
    {
        var data = new TheoryData<string>();
        foreach (string file in Directory.GetFiles(WireSample.PathOf("requests"), "*.json").Select(Path.GetFileName).Order(StringComparer.Ordinal)!)
        {
            data.Add(file);
        }

        return data;
    }

    [Theory]
    [MemberData(nameof(Samples))]
    public void Find_RealAgentRequest_NoChecksummedClass(string sample)
    {
        using var document = JsonDocument.Parse(WireSample.Bytes("requests/" + sample));
        var found = new List<(PersonalDataClass Class, string Value)>();
        Visit(document.RootElement.GetProperty("body"), found);

        foreach (var group in found.GroupBy(f => f.Class))
        {
            output.WriteLine($"{group.Key}: {group.Count()}");
        }

        Assert.DoesNotContain(found, f => Checksummed.Contains(f.Class));
    }

    private static void Visit(JsonElement element, List<(PersonalDataClass, string)> found)
    {
        switch (element.ValueKind)
        {
            case JsonValueKind.Object:
                foreach (var property in element.EnumerateObject())
                {
                    Add(property.Name, found);
                    Visit(property.Value, found);
                }

                break;
            case JsonValueKind.Array:
                foreach (var item in element.EnumerateArray())
                {
                    Visit(item, found);
                }

                break;
            case JsonValueKind.String:
                Add(element.GetString()!, found);
                break;
            case JsonValueKind.Number:
                Add(element.GetRawText(), found);
                break;
        }
    }

    private static void Add(string text, List<(PersonalDataClass, string)> found)
    {
        foreach (var match in PersonalDataDetector.Default.Find(text))
        {
            found.Add((match.Class, text.Substring(match.Start, match.Length)));
        }
    }
}
