// Config files: parsing, overrides, documentation, and clear errors that name the key.
#include "config/config_schema.h"

#include <QtTest/QtTest>

using namespace tpgm;

namespace {
// Runs `f`, expecting ConfigError whose message contains every fragment.
template <typename F>
bool throws_mentioning(F&& f, std::initializer_list<const char*> fragments) {
    try {
        f();
    } catch (const ConfigError& e) {
        const std::string msg = e.what();
        for (const char* frag : fragments)
            if (msg.find(frag) == std::string::npos) {
                qWarning("message '%s' lacks '%s'", msg.c_str(), frag);
                return false;
            }
        return true;
    }
    return false;
}
}  // namespace

class TestConfig : public QObject {
    Q_OBJECT
  private Q_SLOTS:
    void defaultsAreValid() { QVERIFY(validate(RunConfig{}).empty()); }

    void yamlOverridesDefaults() {
        const RunConfig c = parse_config_yaml(
            "method: ft\noptim:\n  lr: 0.2\ntpgm:\n  exclude: [\"a.*\", \"b\"]\n");
        QCOMPARE(c.method, std::string("ft"));
        QCOMPARE(c.optim.lr, 0.2);
        QCOMPARE(c.tpgm.exclude.size(), std::size_t(2));
        QCOMPARE(c.epochs, RunConfig{}.epochs);
    }

    void unknownKeyIsNamedWithASuggestion() {
        QVERIFY(throws_mentioning([] { parse_config_yaml("optim:\n  lrr: 0.1\n"); },
                                  {"optim.lrr", "did you mean 'optim.lr'"}));
        QVERIFY(throws_mentioning([] { parse_config_yaml("nonsense: 1\n"); }, {"nonsense"}));
    }

    void wrongTypeIsNamed() {
        QVERIFY(
            throws_mentioning([] { parse_config_yaml("epochs: many\n"); }, {"epochs", "integer"}));
        QVERIFY(throws_mentioning([] { parse_config_yaml("tpgm:\n  exclude: fc\n"); },
                                  {"tpgm.exclude", "list"}));
        QVERIFY(throws_mentioning([] { parse_config_yaml("- a\n- b\n"); }, {"mapping"}));
        QVERIFY(throws_mentioning([] { parse_config_yaml("a: [\n"); }, {"YAML"}));
    }

    void overridesParseValuesAsYaml() {
        RunConfig c;
        apply_override(c, "tpgm.proj_lr=0.1");
        apply_override(c, "freeze_bn=true");
        apply_override(c, "demo.severities=[1,2]");
        QCOMPARE(c.tpgm.proj_lr, 0.1);
        QVERIFY(c.freeze_bn);
        QCOMPARE(c.demo.severities, (std::vector<int>{1, 2}));
        QVERIFY(throws_mentioning([&] { apply_override(c, "epochs"); }, {"key=value"}));
        QVERIFY(throws_mentioning([&] { apply_override(c, "tpgm.projlr=1"); }, {"tpgm.proj_lr"}));
    }

    void yamlRoundTrips() {
        RunConfig c;
        c.method = "lp";
        c.optim.weight_decay = 0.125;
        c.tpgm.exclude = {"x\\..*"};
        c.demo.corruptions = {"fog"};
        const RunConfig back = parse_config_yaml(to_yaml(c));
        QCOMPARE(to_yaml(back), to_yaml(c));
        QCOMPARE(back.tpgm.exclude, c.tpgm.exclude);
    }

    void documentedDefaultsParseBackToDefaults() {
        const std::string doc = documented_defaults_yaml();
        QCOMPARE(to_yaml(parse_config_yaml(doc)), to_yaml(RunConfig{}));
        for (const auto& f : config_fields())
            QVERIFY2(doc.find(f.doc) != std::string::npos, f.key.c_str());
    }

    void validationNamesEveryBadValue() {
        RunConfig c;
        c.optim.lr = -1;
        c.tpgm.norm = "l3";
        c.demo.severities = {0};
        c.tpgm.exclude = {"("};
        const auto issues = validate(c);
        QStringList keys;
        for (const auto& i : issues) keys << QString::fromStdString(i.key);
        QVERIFY(keys.contains("optim.lr"));
        QVERIFY(keys.contains("tpgm.norm"));
        QVERIFY(keys.contains("demo.severities"));
        QVERIFY(keys.contains("tpgm.exclude"));
        QVERIFY(throws_mentioning([&] { validate_or_throw(c); }, {"optim.lr", "tpgm.norm"}));
    }

    void missingFileIsAClearError() {
        QVERIFY(throws_mentioning([] { load_config_file("/nonexistent/run.yaml"); },
                                  {"/nonexistent/run.yaml"}));
    }
};

QTEST_APPLESS_MAIN(TestConfig)
#include "test_config.moc"
