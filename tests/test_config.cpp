// SPDX-License-Identifier: GPL-3.0-or-later
// Config files: parsing, overrides, documentation, and clear errors that name the key.
#include "config/config_schema.h"
#include "config/model_names.h"

#include <QtTest/QtTest>

#include <fstream>

#include <cmath>
#include <iomanip>
#include <set>
#include <sstream>

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

    void shippedRecipesAreValid() {
        const std::string dir = std::string(TPGM_TEST_DATA_DIR) + "/../../resources/configs/";
        for (const char* name :
             {"demo.yaml", "domainnet-tpgm.yaml", "imagenet-tpgm.yaml", "seg_demo.yaml"}) {
            const RunConfig c = load_config_file(dir + name);
            const auto issues = validate(c);
            QVERIFY2(issues.empty(),
                     (std::string(name) + ": " + (issues.empty() ? "" : issues[0].key)).c_str());
        }
        const RunConfig dn = load_config_file(dir + "domainnet-tpgm.yaml");
        QCOMPARE(dn.data, std::string("lists"));
        QCOMPARE(dn.ood.size(), std::size_t(4));
        const RunConfig in = load_config_file(dir + "imagenet-tpgm.yaml");
        QCOMPARE(in.ood.size(), std::size_t(4));
        QCOMPARE(in.ood[0].path, std::string("data/imagenet-a"));
    }

    void duplicateKeysAndEndlessFilesAreRefused() {
        QVERIFY(throws_mentioning([] { parse_config_yaml("epochs: 3\nepochs: 5\n"); },
                                  {"'epochs' appears twice"}));
        QVERIFY(throws_mentioning([] { parse_config_yaml("optim:\n  lr: 0.1\n  lr: 0.2\n"); },
                                  {"optim.lr"}));
        // /dev/zero never ends: a device is not read at all; a regular file stops at the cap.
        QVERIFY(throws_mentioning([] { load_config_file("/dev/zero"); },
                                  {"'/dev/zero' is not a regular file"}));
        QTemporaryDir tmp;
        const std::string big = tmp.filePath("big.yaml").toStdString();
        std::ofstream(big) << "# " << std::string(2 << 20, 'x') << "\n";
        QVERIFY(throws_mentioning([&] { load_config_file(big); }, {"larger than 1 MiB"}));
    }

    void nanAndInfinityAreNamedByKey() {
        // `lr: .nan` ended in yaml-cpp's "bad conversion", naming nothing.
        QVERIFY(
            throws_mentioning([] { validate_or_throw(parse_config_yaml("optim:\n  lr: .nan\n")); },
                              {"optim.lr: must be a positive number (got NaN)"}));
        QVERIFY(throws_mentioning(
            [] { validate_or_throw(parse_config_yaml("tpgm:\n  proj_lr: -.inf\n")); },
            {"tpgm.proj_lr", "(got infinity)"}));
    }

    void absurdThreadCountsAreRefusedByName() {
        RunConfig c;
        c.threads = 100000;
        c.images.loader_threads = max_sane_threads() + 1;
        QVERIFY(throws_mentioning([&] { validate_or_throw(c); },
                                  {"threads: must be at most", "images.loader_threads"}));
        c.threads = c.images.loader_threads = max_sane_threads();
        QVERIFY(validate(c).empty());
    }

    void demoWithAnotherModelNeedsItsCheckpoint() {
        auto model_issue = [](const RunConfig& c) {
            for (const auto& i : validate(c))
                if (i.key == "model") return true;
            return false;
        };
        RunConfig c;
        c.model = "resnet18";
        QVERIFY(model_issue(c));
        c.pretrained = "resnet18.pth";
        QVERIFY(!model_issue(c));
    }

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
        QVERIFY(throws_mentioning([] { parse_config_yaml("epochs: 1000000000000\n"); },
                                  {"epochs", "out of range", "2147483647"}));
        QVERIFY(throws_mentioning([] { parse_config_yaml("ood:\n- {path: x, severity: 1e40}\n"); },
                                  {"ood[0].severity", "out of range"}));
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
        // Numbers as a person writes them, and still exact.
        c.optim.lr = 0.1;
        c.images.mean = {0.485, 0.456, 0.406};
        c.tpgm.proj_lr = 1.0 / 3;
        const std::string yaml = to_yaml(c);
        QVERIFY2(yaml.find("0.485") != std::string::npos &&
                     yaml.find("0.48499") == std::string::npos &&
                     yaml.find("lr: 0.1\n") != std::string::npos,
                 yaml.c_str());
        const RunConfig exact = parse_config_yaml(yaml);
        QCOMPARE(exact.images.mean, c.images.mean);
        QCOMPARE(exact.tpgm.proj_lr, 1.0 / 3);
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

    void hostileExcludePatternsAreRefusedBeforeCompiling() {
        // 20,000 nested groups overflowed the stack of std::regex's recursive compiler.
        RunConfig c;
        c.tpgm.exclude = {std::string(20000, '(') + "a" + std::string(20000, ')'),
                          std::string(33, '(') + "a" + std::string(33, ')'), std::string(1001, 'a'),
                          std::string(32, '(') + "fc\\(" + std::string(32, ')') + "\\)"};
        std::vector<std::string> messages;
        for (const auto& i : validate(c))
            if (i.key == "tpgm.exclude") messages.push_back(i.message);
        QCOMPARE(messages.size(), std::size_t(3));  // the fourth: 32 deep, escapes not counted
        QVERIFY(messages[0].find("longer than 1000 characters") != std::string::npos);
        QVERIFY(messages[0].size() < 200);  // the pattern is cut in the message
        QVERIFY(messages[1].find("nests groups deeper than 32") != std::string::npos);
        QVERIFY(messages[2].find("longer than 1000 characters") != std::string::npos);
    }

    void corruptionListsNameEachSetOnce() {
        RunConfig c;
        c.demo.corruptions = {"fog", "contrast", "fog"};
        c.demo.severities = {3, 3, 7};
        std::vector<std::string> messages;
        for (const auto& i : validate(c)) messages.push_back(i.key + ": " + i.message);
        QCOMPARE(messages,
                 (std::vector<std::string>{"demo.corruptions: 'fog' is listed more than once",
                                           "demo.severities: severity 3 is listed more than once",
                                           "demo.severities: severity 7 is not in 1..5"}));
        // 100,000 entries are refused at once, in a few lines.
        c.demo.corruptions.assign(100000, "fog");
        c.demo.severities = {3};
        QVERIFY(validate(c).size() <= 7);
    }

    void fieldTypesChoicesAndRangesAreCoherent() {
        const RunConfig defaults;
        std::set<std::string> keys;
        for (const auto& f : config_fields()) {
            const char* key = f.key.c_str();
            QVERIFY2(keys.insert(f.key).second, key);  // unique
            QVERIFY2(find_config_field(f.key) && find_config_field(f.key)->key == f.key, key);
            QVERIFY2(!f.doc.empty(), key);
            const std::string value = field_value_yaml(defaults, f.key);
            const auto dot = f.key.find('.');
            QCOMPARE(f.section(), dot == std::string::npos ? std::string() : f.key.substr(0, dot));
            if (f.type == FieldType::Choice) {
                QVERIFY2(!f.choices.empty(), key);
                QVERIFY2(f.choices.front() == value, key);  // the first choice is the default
                std::set<std::string> unique(f.choices.begin(), f.choices.end());
                QVERIFY2(unique.size() == f.choices.size(), key);
            } else {
                QVERIFY2(f.choices.empty(), key);
            }
            if (f.type == FieldType::Int || f.type == FieldType::Real) {
                QVERIFY2(f.min <= f.max, key);
                const double v = std::stod(value);
                QVERIFY2(v >= f.min && v <= f.max, (f.key + " = " + value).c_str());
                if (f.type == FieldType::Int) {
                    QVERIFY2(value.find_first_not_of("-0123456789") == std::string::npos, key);
                    QVERIFY2(f.min <= -1e300 || f.min == std::floor(f.min), key);
                    QVERIFY2(f.max >= 1e300 || f.max == std::floor(f.max), key);
                }
            } else {
                QVERIFY2(f.min <= -1e300 && f.max >= 1e300, key);  // a range only on numbers
            }
            if (f.type == FieldType::Bool) QVERIFY2(value == "true" || value == "false", key);
            if (f.type == FieldType::TextList || f.type == FieldType::IntList ||
                f.type == FieldType::RealList || f.type == FieldType::SetList)
                QVERIFY2(value.rfind("[", 0) == 0, (f.key + " = " + value).c_str());
        }
        QVERIFY(!find_config_field("optim.nonsense"));
        QCOMPARE(find_config_field("images.loading")->type, FieldType::Choice);
        QCOMPARE(find_config_field("lists.percent")->max, 100.0);
        QCOMPARE(find_config_field("ood")->type, FieldType::SetList);

        // The declared choices and ranges are what validate() enforces, key by key.
        auto has_issue = [](const RunConfig& c, const std::string& key) {
            for (const auto& i : validate(c))
                if (i.key == key) return true;
            return false;
        };
        auto number = [](double v, bool integer) {
            std::ostringstream s;
            if (integer)
                s << static_cast<long long>(v);
            else
                s << std::setprecision(17) << v;
            return s.str();
        };
        for (const auto& f : config_fields()) {
            const char* key = f.key.c_str();
            if (f.type == FieldType::Choice) {
                for (const auto& choice : f.choices) {
                    RunConfig c;
                    c.pretrained = "backbone.pt";  // any model needs a checkpoint but the demo's
                    apply_override(c, f.key + "=" + choice);
                    // A segmentation model needs segmentation data (test_segmentation_training).
                    if (f.key == "model" && is_segmentation_model(choice)) c.data = "seg_demo";
                    QVERIFY2(!has_issue(c, f.key), (f.key + "=" + choice).c_str());
                }
                RunConfig c;
                apply_override(c, f.key + "=not_a_choice");
                QVERIFY2(has_issue(c, f.key), key);
            }
            if (f.type != FieldType::Int && f.type != FieldType::Real) continue;
            const bool integer = f.type == FieldType::Int;
            if (f.min > -1e300) {
                RunConfig c;
                apply_override(c, f.key + "=" + number(f.min, integer));
                QVERIFY2(!has_issue(c, f.key), (f.key + " at its minimum").c_str());
                apply_override(
                    c, f.key + "=" + number(f.min > 0 && !integer ? 0 : f.min - 1, integer));
                QVERIFY2(has_issue(c, f.key), (f.key + " below its minimum").c_str());
            }
            if (f.max < 1e300) {
                RunConfig c;
                apply_override(c, f.key + "=" + number(f.max, integer));
                QVERIFY2(!has_issue(c, f.key), (f.key + " at its maximum").c_str());
                apply_override(c, f.key + "=" + number(f.max + 1, integer));
                QVERIFY2(has_issue(c, f.key), (f.key + " above its maximum").c_str());
            }
        }

        // The keys of an OOD entry: the same rules, with OodSetConfig's defaults.
        const OodSetConfig ood_defaults;
        std::set<std::string> ood_keys;
        for (const auto& f : ood_set_fields()) {
            QVERIFY2(ood_keys.insert(f.key).second, f.key.c_str());
            QVERIFY2(!f.doc.empty(), f.key.c_str());
            if (f.type == FieldType::Choice)
                QVERIFY(!f.choices.empty());
            else
                QVERIFY2(f.choices.empty(), f.key.c_str());
        }
        QCOMPARE(ood_keys, (std::set<std::string>{"path", "name", "root", "kind", "classes",
                                                  "corruption", "severity"}));
        for (const auto& f : ood_set_fields()) {
            if (f.key == "kind") {
                QCOMPARE(f.choices.front(), ood_defaults.kind);
                QCOMPARE(f.choices, (std::vector<std::string>{"auto", "domain", "adversarial",
                                                              "rendition", "corruption"}));
            }
            if (f.key == "severity") {
                QCOMPARE(f.type, FieldType::Int);
                QVERIFY(ood_defaults.severity >= f.min && ood_defaults.severity <= f.max);
                QCOMPARE(f.max, 5.0);
            }
        }
    }

    void oodSetsRoundTrip() {
        RunConfig c;
        c.data = "folders";
        OodSetConfig full;
        full.path = "/data/my sets/imagenet-a";
        full.name = "A: natural adversarial #1";
        full.root = "/data/root";
        full.kind = "adversarial";
        full.classes = "imagenet-a";
        OodSetConfig fog;
        fog.path = "/data/fog/3";
        fog.name = "fog-3";
        fog.kind = "corruption";
        fog.corruption = "fog";
        fog.severity = 3;
        OodSetConfig bare;
        bare.path = "/data/sketch";
        OodSetConfig odd;  // names YAML would read as other types
        odd.path = "123";
        odd.name = "true";
        odd.classes = "null";
        odd.root = "~";
        c.ood = {full, fog, bare, odd};
        const std::string yaml = to_yaml(c);
        const RunConfig back = parse_config_yaml(yaml);
        QVERIFY2(back.ood == c.ood, yaml.c_str());
        QCOMPARE(to_yaml(back), yaml);
        QVERIFY(parse_config_yaml(to_yaml(RunConfig{})).ood.empty());

        // Bare paths and mappings mix; a parsed list replaces the base's.
        const RunConfig mixed = parse_config_yaml(
            "ood:\n  - /data/sketch\n  - {path: /data/fog/3, name: fog-3, kind: corruption, "
            "corruption: fog, severity: 3}\n",
            c);
        QCOMPARE(mixed.ood.size(), std::size_t(2));
        QVERIFY(mixed.ood[0] == bare);
        QVERIFY(mixed.ood[1] == fog);
        QVERIFY(parse_config_yaml(to_yaml(mixed)).ood == mixed.ood);
        QVERIFY(parse_config_yaml("ood: []\n", c).ood.empty());
        QVERIFY(field_value_yaml(mixed, "ood").find("/data/sketch") != std::string::npos);
    }

    void oodOverrides() {
        RunConfig c;
        apply_override(c, "ood=[{path: x, kind: corruption, corruption: fog, severity: 3}]");
        QCOMPARE(c.ood.size(), std::size_t(1));
        QCOMPARE(c.ood[0].path, std::string("x"));
        QCOMPARE(c.ood[0].kind, std::string("corruption"));
        QCOMPARE(c.ood[0].corruption, std::string("fog"));
        QCOMPARE(c.ood[0].severity, 3);
        QVERIFY(c.ood[0].name.empty());
        c.data = "folders";
        c.folders.train = "train";
        c.folders.test = "test";
        c.pretrained = "model.pt";
        QVERIFY(validate(c).empty());
        apply_override(c, "ood=[a/sketch, {path: b/imagenet-r, classes: imagenet-r}]");
        QCOMPARE(c.ood.size(), std::size_t(2));
        QCOMPARE(c.ood[0].path, std::string("a/sketch"));
        QCOMPARE(c.ood[0].kind, std::string("auto"));
        QCOMPARE(c.ood[1].classes, std::string("imagenet-r"));
        QVERIFY(validate(c).empty());
        QVERIFY(throws_mentioning([&] { apply_override(c, "ood=[{path: x, sevrity: 3}]"); },
                                  {"ood[0]", "sevrity"}));
        QVERIFY(throws_mentioning([&] { apply_override(c, "ood={path: x}"); }, {"ood"}));
    }

    void badOodEntriesAndOldKeysAreNamed() {
        QVERIFY(
            throws_mentioning([] { parse_config_yaml("ood:\n  - a\n  - {path: x, severty: 3}\n"); },
                              {"ood[1]", "severty"}));
        QVERIFY(throws_mentioning(
            [] { parse_config_yaml("ood:\n  - {path: x, kind: corruption, severity: three}\n"); },
            {"ood[0].severity"}));
        QVERIFY(throws_mentioning([] { parse_config_yaml("ood:\n  - [a, b]\n"); }, {"ood[0]"}));
        QVERIFY(throws_mentioning([] { parse_config_yaml("ood:\n  - {path: [a, b]}\n"); },
                                  {"ood[0].path"}));

        RunConfig c;
        c.data = "folders";
        c.folders.train = "train";
        c.folders.test = "test";
        c.pretrained = "model.pt";
        auto issue_keys = [](const RunConfig& config) {
            std::set<std::string> keys;
            for (const auto& i : validate(config)) keys.insert(i.key);
            return keys;
        };
        OodSetConfig corr;
        corr.path = "fog";
        corr.kind = "corruption";
        corr.corruption = "fog";
        c.ood = {corr};  // no severity
        QCOMPARE(issue_keys(c), (std::set<std::string>{"ood[0].severity"}));
        c.ood[0].severity = 6;
        QCOMPARE(issue_keys(c), (std::set<std::string>{"ood[0].severity"}));
        c.ood[0].severity = 5;
        QVERIFY(issue_keys(c).empty());
        c.ood[0].corruption = "fgo";
        QCOMPARE(issue_keys(c), (std::set<std::string>{"ood[0].corruption"}));
        OodSetConfig kind;
        kind.path = "x";
        kind.kind = "adverserial";
        OodSetConfig stray;
        stray.path = "y";
        stray.severity = 2;  // without kind corruption
        corr.severity = 5;
        c.ood = {corr, kind, stray, OodSetConfig{}};
        QCOMPARE(issue_keys(c),
                 (std::set<std::string>{"ood[1].kind", "ood[2].kind", "ood[3].path"}));
        QVERIFY(throws_mentioning([&] { validate_or_throw(c); }, {"ood[1].kind", "ood[3].path"}));

        // Keys that moved point to their new name.
        QVERIFY(throws_mentioning([] { parse_config_yaml("folders:\n  image_size: 64\n"); },
                                  {"folders.image_size", "images.size"}));
        QVERIFY(throws_mentioning([] { parse_config_yaml("folders:\n  ood: [a]\n"); },
                                  {"folders.ood", "'ood'"}));
        QVERIFY(throws_mentioning([] { parse_config_yaml("folders:\n  mean: [0.5]\n"); },
                                  {"folders.mean", "images.mean"}));
        RunConfig o;
        QVERIFY(throws_mentioning([&] { apply_override(o, "folders.image_size=64"); },
                                  {"folders.image_size", "images.size"}));
    }

    void missingFileIsAClearError() {
        QVERIFY(throws_mentioning([] { load_config_file("/nonexistent/run.yaml"); },
                                  {"/nonexistent/run.yaml"}));
    }
};

QTEST_APPLESS_MAIN(TestConfig)
#include "test_config.moc"
