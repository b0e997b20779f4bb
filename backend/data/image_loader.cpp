#include "data/image_loader.h"

#include <spdlog/spdlog.h>
#include <torch/torch.h>
#include <opencv2/imgproc.hpp>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cmath>
#include <condition_variable>
#include <map>
#include <mutex>
#include <thread>

namespace tpgm {
namespace {

double uniform(std::mt19937_64& rng, double a, double b) {
    return a + (b - a) * (static_cast<double>(rng() >> 11) * (1.0 / 9007199254740992.0));
}

cv::Rect random_resized_crop(int w, int h, const AugmentOptions& o, std::mt19937_64& rng) {
    const double area = static_cast<double>(w) * h;
    for (int attempt = 0; attempt < 10; ++attempt) {
        const double target = area * uniform(rng, o.min_scale, o.max_scale);
        const double ratio = std::exp(uniform(rng, std::log(o.min_ratio), std::log(o.max_ratio)));
        const int cw = static_cast<int>(std::lround(std::sqrt(target * ratio)));
        const int ch = static_cast<int>(std::lround(std::sqrt(target / ratio)));
        if (cw > 0 && ch > 0 && cw <= w && ch <= h) {
            const int x = static_cast<int>(rng() % static_cast<uint64_t>(w - cw + 1));
            const int y = static_cast<int>(rng() % static_cast<uint64_t>(h - ch + 1));
            return {x, y, cw, ch};
        }
    }
    // Fallback (torchvision): centre crop at the nearest allowed aspect ratio.
    const double in_ratio = static_cast<double>(w) / h;
    int cw = w, ch = h;
    if (in_ratio < o.min_ratio)
        ch = static_cast<int>(std::lround(w / o.min_ratio));
    else if (in_ratio > o.max_ratio)
        cw = static_cast<int>(std::lround(h * o.max_ratio));
    cw = std::clamp(cw, 1, w);
    ch = std::clamp(ch, 1, h);
    return {(w - cw) / 2, (h - ch) / 2, cw, ch};
}

void jitter(cv::Mat& rgb, const AugmentOptions& o, std::mt19937_64& rng) {
    if (o.brightness <= 0 && o.contrast <= 0 && o.saturation <= 0) return;
    cv::Mat f;
    rgb.convertTo(f, CV_32FC3);
    if (o.brightness > 0) f *= uniform(rng, std::max(0.0, 1 - o.brightness), 1 + o.brightness);
    if (o.contrast > 0) {
        cv::Mat g;
        cv::cvtColor(f, g, cv::COLOR_RGB2GRAY);
        const double m = cv::mean(g)[0];
        const double c = uniform(rng, std::max(0.0, 1 - o.contrast), 1 + o.contrast);
        f.convertTo(f, CV_32FC3, c, (1 - c) * m);
    }
    if (o.saturation > 0) {
        cv::Mat g, g3;
        cv::cvtColor(f, g, cv::COLOR_RGB2GRAY);
        cv::cvtColor(g, g3, cv::COLOR_GRAY2RGB);
        const double s = uniform(rng, std::max(0.0, 1 - o.saturation), 1 + o.saturation);
        cv::addWeighted(f, s, g3, 1 - s, 0, f);
    }
    f.convertTo(rgb, CV_8UC3);  // saturates to [0, 255]
}

}  // namespace

cv::Mat augment_image(const cv::Mat& rgb, const AugmentOptions& o, std::mt19937_64& rng) {
    const int size = static_cast<int>(o.size);
    cv::Mat out;
    if (o.train) {
        const cv::Rect r = random_resized_crop(rgb.cols, rgb.rows, o, rng);
        cv::resize(rgb(r), out, cv::Size(size, size), 0, 0, cv::INTER_LINEAR);
        if (o.flip && (rng() & 1)) cv::flip(out, out, 1);
        jitter(out, o, rng);
    } else {
        const double shorter = std::lround(size * o.eval_resize);
        const double scale = shorter / std::min(rgb.rows, rgb.cols);
        cv::Mat resized;
        cv::resize(rgb, resized,
                   cv::Size(std::max(size, static_cast<int>(std::lround(rgb.cols * scale))),
                            std::max(size, static_cast<int>(std::lround(rgb.rows * scale)))),
                   0, 0, scale < 1 ? cv::INTER_AREA : cv::INTER_LINEAR);
        out = resized(cv::Rect((resized.cols - size) / 2, (resized.rows - size) / 2, size, size))
                  .clone();
    }
    return out;
}

void normalise_into(const cv::Mat& rgb, const Normalization& norm, float* out) {
    const int64_t plane = static_cast<int64_t>(rgb.rows) * rgb.cols;
    float scale[3], shift[3];
    for (int c = 0; c < 3; ++c) {
        const double m = norm.mean.size() == 3 ? norm.mean[c] : norm.mean.at(0);
        const double s = norm.std.size() == 3 ? norm.std[c] : norm.std.at(0);
        scale[c] = static_cast<float>(1.0 / (255.0 * s));
        shift[c] = static_cast<float>(-m / s);
    }
    for (int y = 0; y < rgb.rows; ++y) {
        const auto* row = rgb.ptr<cv::Vec3b>(y);
        for (int x = 0; x < rgb.cols; ++x) {
            const int64_t i = static_cast<int64_t>(y) * rgb.cols + x;
            for (int c = 0; c < 3; ++c) out[c * plane + i] = row[x][c] * scale[c] + shift[c];
        }
    }
}

struct ImageLoader::Impl {
    ImageList list;
    AugmentOptions aug;
    LoaderOptions opt;
    std::vector<int64_t> order;
    int64_t epoch = -1, batches = 0, next_build = 0, consumed = 0;
    bool stop = false;
    std::mutex mu;
    std::condition_variable space, ready;
    std::map<int64_t, ImageBatch> results;
    std::vector<std::thread> workers;
    std::atomic<int64_t> skipped{0};

    void join() {
        {
            std::lock_guard<std::mutex> lock(mu);
            stop = true;
        }
        space.notify_all();
        for (auto& w : workers) w.join();
        workers.clear();
        results.clear();
        stop = false;
    }

    ImageBatch build(int64_t b) {
        const int64_t begin = b * opt.batch_size;
        const int64_t end =
            std::min<int64_t>(begin + opt.batch_size, static_cast<int64_t>(order.size()));
        const int64_t s = aug.size;
        torch::Tensor images = torch::empty({end - begin, 3, s, s}, torch::kFloat);
        std::vector<int64_t> labels;
        ImageBatch out;
        int64_t filled = 0;
        for (int64_t k = begin; k < end; ++k) {
            const ImageSample& sample = list.samples[order[k]];
            cv::Mat rgb = decode_rgb(sample.path);
            if (rgb.empty()) {
                ++out.skipped;
                if (skipped++ < 5) spdlog::warn("skipping unreadable image '{}'", sample.path);
                continue;
            }
            std::mt19937_64 rng(opt.seed * 0x9E3779B97F4A7C15ull +
                                static_cast<uint64_t>(epoch) * 1000003u +
                                static_cast<uint64_t>(order[k]));
            normalise_into(augment_image(rgb, aug, rng), aug.norm,
                           images[filled].data_ptr<float>());
            labels.push_back(sample.label);
            ++filled;
        }
        out.images = images.narrow(0, 0, filled);
        out.labels = torch::tensor(labels, torch::kInt64);
        return out;
    }

    void work() {
        while (true) {
            int64_t b;
            {
                std::unique_lock<std::mutex> lock(mu);
                space.wait(lock, [&] {
                    return stop || next_build >= batches ||
                           next_build < consumed + opt.prefetch_batches;
                });
                if (stop || next_build >= batches) return;
                b = next_build++;
            }
            ImageBatch batch = build(b);
            {
                std::lock_guard<std::mutex> lock(mu);
                results[b] = std::move(batch);
            }
            ready.notify_all();
        }
    }
};

ImageLoader::ImageLoader(ImageList list, AugmentOptions augment, LoaderOptions options)
    : impl_(std::make_unique<Impl>()) {
    if (list.samples.empty()) throw DatasetError("the image loader got an empty list");
    if (options.batch_size <= 0 || augment.size <= 0)
        throw DatasetError("batch size and image size must be positive");
    impl_->list = std::move(list);
    impl_->aug = std::move(augment);
    impl_->opt = options;
    impl_->opt.threads = std::max(1, options.threads);
    impl_->opt.prefetch_batches = std::max(1, options.prefetch_batches);
}

ImageLoader::~ImageLoader() {
    impl_->join();
}

int64_t ImageLoader::size() const {
    return impl_->list.size();
}
int64_t ImageLoader::skipped_total() const {
    return impl_->skipped.load();
}

int64_t ImageLoader::batches_per_epoch() const {
    const int64_t n = impl_->list.size(), b = impl_->opt.batch_size;
    return impl_->opt.drop_last ? n / b : (n + b - 1) / b;
}

void ImageLoader::start_epoch(int64_t epoch) {
    impl_->join();
    const int64_t n = impl_->list.size();
    impl_->order.resize(n);
    if (impl_->opt.shuffle) {
        const torch::Tensor o =
            epoch_order(n, impl_->opt.seed, epoch).to(torch::kInt64).contiguous();
        std::copy(o.data_ptr<int64_t>(), o.data_ptr<int64_t>() + n, impl_->order.begin());
    } else {
        for (int64_t i = 0; i < n; ++i) impl_->order[i] = i;
    }
    impl_->epoch = epoch;
    impl_->batches = batches_per_epoch();
    impl_->next_build = impl_->consumed = 0;
    for (int t = 0; t < impl_->opt.threads; ++t)
        impl_->workers.emplace_back([this] { impl_->work(); });
}

bool ImageLoader::next(ImageBatch& batch) {
    if (impl_->epoch < 0) start_epoch(0);
    std::unique_lock<std::mutex> lock(impl_->mu);
    if (impl_->consumed >= impl_->batches) return false;
    const int64_t want = impl_->consumed;
    impl_->ready.wait(lock, [&] { return impl_->results.count(want) > 0; });
    batch = std::move(impl_->results[want]);
    impl_->results.erase(want);
    ++impl_->consumed;
    lock.unlock();
    impl_->space.notify_all();
    return true;
}

LoaderThroughput measure_loader(ImageLoader& loader, int64_t max_batches) {
    LoaderThroughput t;
    const auto start = std::chrono::steady_clock::now();
    loader.start_epoch(0);
    ImageBatch batch;
    for (int64_t b = 0; b < max_batches && loader.next(batch); ++b)
        t.images += batch.images.size(0);
    t.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    t.images_per_second = t.seconds > 0 ? t.images / t.seconds : 0;
    return t;
}

}  // namespace tpgm
