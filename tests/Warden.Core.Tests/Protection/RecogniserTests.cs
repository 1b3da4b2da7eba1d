using Warden.Core.Protection;

namespace Warden.Core.Tests.Protection;

public sealed class RecogniserTests
{
    private static readonly PersonalDataDetector Detector = PersonalDataDetector.Default;

    private static List<(string Class, string Value)> Found(string text) =>
        [.. Detector.Find(text).Select(m => (m.Class.Name, text.Substring(m.Start, m.Length)))];

    private static void AssertFinds(string text, string kind, string value) => Assert.Equal([(kind, value)], Found(text));

    private static void AssertNothing(string text) => Assert.Empty(Found(text));

    [Theory]
    // GB 11643's own examples, and the lower-case check character.
    [InlineData("身份证号：11010519491231002X。", "11010519491231002X")]
    [InlineData("id 11010519491231002x ok", "11010519491231002x")]
    [InlineData("440524188001010014", "440524188001010014")]
    [InlineData("no. 110105 19491231 002X", null)]
    public void CnId_ValidCheckDigit_Found(string text, string? value)
    {
        if (value is null)
        {
            AssertNothing(text);
            return;
        }

        AssertFinds(text, "cn_id", value);
    }

    [Theory]
    [InlineData("110105194912310021")] // wrong check digit
    [InlineData("990105194912310026")] // region 99 does not exist (check digit made valid)
    [InlineData("110105194902300028")] // 30 February
    [InlineData("x11010519491231002X")] // inside a longer token
    [InlineData("11010519491231002X7")]
    [InlineData("id_11010519491231002X")]
    public void CnId_InvalidOrEmbedded_NotFound(string text) => AssertNothing(text);

    [Theory]
    [InlineData("call 13812345678 now", "13812345678")]
    [InlineData("手机13812345678，", "13812345678")]
    [InlineData("tel: 138 1234 5678.", "138 1234 5678")]
    [InlineData("tel: 138-1234-5678", "138-1234-5678")]
    [InlineData("+86 138 1234 5678", "+86 138 1234 5678")]
    [InlineData("(+8613812345678)", "+8613812345678")]
    [InlineData("office 010-62345678", "010-62345678")]
    [InlineData("office (010) 6234 5678", "(010) 6234 5678")]
    [InlineData("US +1 650-253-0000", "+1 650-253-0000")]
    [InlineData("UK +44 20 7031 3000", "+44 20 7031 3000")]
    public void Phone_Formats_Found(string text, string value) => AssertFinds(text, "phone", value);

    [Theory]
    [InlineData("12812345678")] // no 12x mobile range
    [InlineData("x13812345678")]
    [InlineData("13812345678901")] // a longer run
    [InlineData("const long Ticks = 1381234567812;")]
    [InlineData("+99 123")] // not a country code
    [InlineData("01012345678")] // landline without its area code set apart
    [InlineData("1.3812345678")]
    public void Phone_NotAPhone_NotFound(string text) => AssertNothing(text);

    [Fact]
    public void Phone_TwoNumbersSideBySide_FoundApart()
    {
        Assert.Equal([("phone", "13812345678"), ("phone", "13912345678")], Found("13812345678 13912345678"));
    }

    [Theory]
    [InlineData("mail alice.smith+tag@example.co.uk.", "alice.smith+tag@example.co.uk")]
    [InlineData("<bob@mail.qq.com>", "bob@mail.qq.com")]
    [InlineData("邮箱：13812345678@163.com。", "13812345678@163.com")]
    public void Email_Found(string text, string value) => AssertFinds(text, "email", value);

    [Theory]
    [InlineData("git@github.com:owner/repo.git")]
    [InlineData("npm i @scope/pkg@1.2.3")]
    [InlineData("https://token@host.example.com/")]
    [InlineData("@property def x(self):")]
    [InlineData("user@localhost")]
    [InlineData("a@b.c1")]
    public void Email_NotAnAddress_NotFound(string text) => AssertNothing(text);

    [Theory]
    [InlineData("Visa 4111 1111 1111 1111", "4111 1111 1111 1111")]
    [InlineData("4111111111111111", "4111111111111111")]
    [InlineData("mc 5555-5555-5555-4444", "5555-5555-5555-4444")]
    [InlineData("2223003122003222", "2223003122003222")]
    [InlineData("amex 3782 822463 10005", "3782 822463 10005")]
    [InlineData("jcb 3530111333300000", "3530111333300000")]
    [InlineData("银联 6200000000000005", "6200000000000005")]
    public void BankCard_Found(string text, string value) => AssertFinds(text, "bank_card", value);

    [Theory]
    [InlineData("4111111111111112")] // Luhn fails
    [InlineData("1111111111111117")] // no issuer starts with 1
    [InlineData("5655555555554444")] // 56 is not Mastercard
    [InlineData("378282246310005 1")] // Amex with a wrong length after joining? stays Amex alone
    public void BankCard_Invalid_NotFound(string text)
    {
        var found = Found(text);
        Assert.DoesNotContain(found, f => f.Class == "bank_card" && f.Value.Length != 15);
    }

    [Theory]
    [InlineData("统一社会信用代码 91350100M000100Y43", "91350100M000100Y43")]
    public void Uscc_Found(string text, string value) => AssertFinds(text, "uscc", value);

    [Theory]
    [InlineData("91350100M000100Y44")]
    [InlineData("91350100M000100Y4")]
    [InlineData("a91350100M000100Y43")]
    public void Uscc_Invalid_NotFound(string text) => AssertNothing(text);

    [Theory]
    [InlineData("护照 E12345678", "E12345678")]
    [InlineData("EA1234567", "EA1234567")]
    [InlineData("G12345678", "G12345678")]
    [InlineData("Passport number: K1234567", "K1234567")]
    public void Passport_Found(string text, string value) => AssertFinds(text, "passport", value);

    [Theory]
    [InlineData("K1234567")] // other shapes need the keyword
    [InlineData("e12345678")]
    [InlineData("EI1234567")]
    public void Passport_WithoutShapeOrKeyword_NotFound(string text) => AssertNothing(text);

    [Theory]
    [InlineData("from 8.8.8.8.", "8.8.8.8")]
    [InlineData("host 192.168.1.20:8080", "192.168.1.20")]
    [InlineData("client 2408:8000:1000::1f", "2408:8000:1000::1f")]
    [InlineData("[2001:4860:4860::8888]:443", "2001:4860:4860::8888")]
    public void Ip_Found(string text, string value) => AssertFinds(text, "ip", value);

    [Theory]
    [InlineData("listen 127.0.0.1:5000")]
    [InlineData("0.0.0.0")]
    [InlineData("255.255.255.0")]
    [InlineData("192.0.2.1")]
    [InlineData("version 1.2.3.4.5")]
    [InlineData("v1.2.3.4")]
    [InlineData("10.0.0.0/8")]
    [InlineData("256.1.1.1")]
    [InlineData("01.2.3.4")]
    [InlineData("::1")]
    [InlineData("2001:db8::1")]
    [InlineData("std::vector<int> a; b::c")]
    [InlineData("at 10:30:45")]
    [InlineData("00:1a:2b:3c:4d:5e")]
    public void Ip_NotCounted_NotFound(string text) => AssertNothing(text);

    [Fact]
    public void MainlandMobile_PrefixTable_AgreesWithLibphonenumber()
    {
        // The table is taken from libphonenumber at five-digit resolution; sample other suffixes to see that the
        // plan does not depend on later digits.
        var util = PhoneNumbers.PhoneNumberUtil.GetInstance();
        string[] suffixes = ["000000", "999999", "555123"];
        int disagreements = 0;
        for (int prefix = 13000; prefix < 20000; prefix += 7)
        {
            foreach (string suffix in suffixes)
            {
                string number = prefix.ToString(System.Globalization.CultureInfo.InvariantCulture) + suffix;
                var parsed = util.Parse(number, "CN");
                bool library = util.IsValidNumberForRegion(parsed, "CN") && util.GetNumberType(parsed) is PhoneNumbers.PhoneNumberType.MOBILE or PhoneNumbers.PhoneNumberType.FIXED_LINE_OR_MOBILE;
                disagreements += library == PhoneNumberCheck.IsValidMainlandMobile(number) ? 0 : 1;
            }
        }

        Assert.Equal(0, disagreements);
    }
}
